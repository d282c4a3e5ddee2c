#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace beatbook::loadgen {

// The p-th percentile (0-100) by nearest rank; 0 for no samples. The
// machine is shared and noisy, so the benchmark reports medians and tails
// rather than means.
inline double percentile(std::vector<double> samples, double p)
{
    if (samples.empty())
        return 0;
    std::sort(samples.begin(), samples.end());
    const double rank = std::ceil(p / 100.0 * static_cast<double>(samples.size()));
    const auto index = static_cast<std::size_t>(std::clamp(rank, 1.0, static_cast<double>(samples.size()))) - 1;
    return samples[index];
}

inline double median(const std::vector<double> &samples)
{
    if (samples.empty())
        return 0;
    std::vector<double> sorted = samples;
    std::sort(sorted.begin(), sorted.end());
    const std::size_t n = sorted.size();
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

} // namespace beatbook::loadgen
