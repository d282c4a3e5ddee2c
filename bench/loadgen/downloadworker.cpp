// The fresh device of the download phase, run as a process of its own so
// that its peak memory (VmHWM) is what a first sync of 100k records costs a
// device, not what the load generator holds for its other phases.

#include "asyncrunner.h"
#include "core/clock.h"
#include "core/enumnames.h"
#include "core/randomsource.h"
#include "crypto/certificates.h"
#include "devicesession.h"
#include "phases.h"
#include "processprobe.h"
#include "store/devicestore.h"
#include "sync/entitycatalog.h"
#include "sync/pullapplier.h"
#include "sync/syncclient.h"
#include "sync/syncstate.h"

#include <CLI/CLI.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <iostream>

namespace beatbook::loadgen {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

namespace {

struct WorkerOptions {
    std::uint16_t port = 0;
    std::string pinHex;
    std::string deviceId;
    std::string keyHex;
    std::string user;
    std::string role = "pcso";
    std::string ward;
    std::string matchKeyHex;
    std::string serverId;
    std::string packDir;
    std::string mode = "raw";
    std::string store;
    std::uint32_t page = 5000;
};

double secondsSince(SteadyClock::time_point start)
{
    return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

std::int64_t fileBytes(const std::string &path)
{
    std::int64_t total = 0;
    for (const char *suffix : {"", "-wal", "-shm"}) {
        std::error_code ec;
        const auto size = std::filesystem::file_size(path + suffix, ec);
        if (!ec)
            total += static_cast<std::int64_t>(size);
    }
    return total;
}

// The device's store, made as `beatbook-field enrol` leaves it: initialised
// with the enrolled identity and the server's pin and key.
struct FreshStore {
    SystemClock clock;
    SecureRandom random;
    std::unique_ptr<DeviceStore> store;
    std::optional<EntityCatalog> catalog;
    std::optional<PullApplier> applier;
};

Status openFreshStore(FreshStore &fresh, const WorkerOptions &options, const std::string &pin,
                      const std::string &privateKey)
{
    auto store = DeviceStore::open(options.store, fresh.clock, fresh.random);
    if (!store)
        return store.error();
    fresh.store = std::move(*store);
    DeviceProfile profile;
    profile.deviceId = options.deviceId;
    profile.userName = options.user;
    auto role = parseEnum<Role>("role", options.role);
    if (!role)
        return role.error();
    profile.role = *role;
    profile.wards = {options.ward};
    profile.packDirectory = options.packDir;
    profile.matchKeyHex = options.matchKeyHex;
    if (auto ok = fresh.store->initialise(profile); !ok)
        return ok.error();
    SyncState state;
    state.serverAddress = "127.0.0.1:" + std::to_string(options.port);
    state.pinnedCertificateSha256 = pin;
    state.devicePrivateKey = privateKey;
    state.serverId = options.serverId;
    if (auto ok = saveSyncEnrolment(fresh.store->db(), state); !ok)
        return ok;
    auto catalog = EntityCatalog::load(fresh.store->db());
    if (!catalog)
        return catalog.error();
    fresh.catalog.emplace(std::move(*catalog));
    fresh.applier.emplace(*fresh.store, *fresh.catalog);
    return {};
}

} // namespace

int downloadWorkerMain(int argc, char **argv)
{
    WorkerOptions options;
    CLI::App app{"beatbook-loadgen download worker (started by beatbook-loadgen)"};
    app.add_flag("--download-worker");
    app.add_option("--port", options.port)->required();
    app.add_option("--pin", options.pinHex)->required();
    app.add_option("--device-id", options.deviceId)->required();
    app.add_option("--key", options.keyHex)->required();
    app.add_option("--user", options.user)->required();
    app.add_option("--role", options.role);
    app.add_option("--ward", options.ward)->required();
    app.add_option("--match-key", options.matchKeyHex);
    app.add_option("--server-id", options.serverId);
    app.add_option("--pack", options.packDir);
    app.add_option("--mode", options.mode)->check(CLI::IsMember({"raw", "apply", "client"}));
    app.add_option("--store", options.store);
    app.add_option("--page", options.page);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        return app.exit(e);
    }

    nlohmann::json out;
    out["mode"] = options.mode;
    auto finish = [&](const std::string &error) {
        if (!error.empty())
            out["error"] = error;
        std::cout << "DOWNLOAD-RESULT " << out.dump() << std::endl;
        return error.empty() ? 0 : 1;
    };

    auto pin = fromHex(options.pinHex);
    auto key = fromHex(options.keyHex);
    if (!pin || !key)
        return finish("bad --pin or --key");
    auto tls = makeClientTlsContext();
    if (!tls)
        return finish(tls.error().message);

    FreshStore fresh;
    if (options.mode != "raw") {
        if (options.store.empty())
            return finish("--store is needed in apply mode");
        if (auto ok = openFreshStore(fresh, options, *pin, *key); !ok)
            return finish(ok.error().message);
    }

    DeviceCredentials device{options.deviceId, *key, {}, options.user, {}, options.serverId};
    std::size_t records = 0;
    std::size_t pages = 0;
    std::uint64_t bytes = 0;
    double seconds = 0;
    double helloSeconds = 0;
    double applySeconds = 0;
    std::int64_t rssStart = 0;
    std::string error;

    // Raw and apply: the protocol spoken here, page after page (applying
    // each with PullApplier in apply mode), one request at a time as a
    // device does.
    auto pullDirectly = [&] {
        AsyncRunner runner(1);
        auto executor = runner.newExecutor();
        const asio::ip::tcp::endpoint server{asio::ip::address_v4::loopback(), options.port};
        runner.spawn(executor, [&]() -> asio::awaitable<void> {
            const auto helloStart = SteadyClock::now();
            auto session = co_await DeviceSession::open(executor, server, *tls, *pin);
            if (!session) {
                error = session.error().message;
                co_return;
            }
            auto hello = co_await (*session)->hello(device);
            if (!hello) {
                error = hello.error().message;
                co_return;
            }
            helloSeconds = secondsSince(helloStart);
            if (auto memory = readProcessMemory())
                rssStart = memory->rssKiB;

            const auto start = SteadyClock::now();
            std::uint64_t cursor = 0;
            std::string scopeToken;
            for (;;) {
                syncv1::Envelope request;
                auto *pull = request.mutable_pull_request();
                pull->set_cursor(cursor);
                pull->set_max_records(options.page);
                pull->set_scope_token(scopeToken);
                auto answer = co_await (*session)->request(request);
                if (!answer || !answer->has_pull_page()) {
                    error = answer ? "the answer to a pull was not a PullPage" : answer.error().message;
                    co_return;
                }
                const syncv1::PullPage &page = answer->pull_page();
                ++pages;
                records += static_cast<std::size_t>(page.records_size());
                bytes += page.ByteSizeLong();
                if (fresh.applier) {
                    const auto applyStart = SteadyClock::now();
                    auto applied = fresh.applier->apply(page);
                    applySeconds += secondsSince(applyStart);
                    if (!applied) {
                        error = "applying a page failed: " + applied.error().message;
                        co_return;
                    }
                }
                if (!page.scope_token().empty())
                    scopeToken = page.scope_token();
                if (page.next_cursor() < cursor) {
                    error = "the server's cursor went backwards";
                    co_return;
                }
                cursor = page.next_cursor();
                if (page.complete())
                    break;
            }
            seconds = secondsSince(start);
            co_await (*session)->close();
        });
        runner.run();
    };

    if (options.mode == "client") {
        // The device's own sync client, as `beatbook-field sync` runs it:
        // connect, hello, nothing to upload, pull every page applying each
        // with its cursor, then compare checksums with the server's.
        fresh.applier.reset();
        SyncSettings settings;
        settings.pageRecords = options.page;
        SyncClient client(*fresh.store, fresh.random, settings);
        if (auto memory = readProcessMemory())
            rssStart = memory->rssKiB;
        const auto start = SteadyClock::now();
        auto report = client.sync();
        seconds = secondsSince(start);
        const SyncReport &last = report ? *report : client.lastReport();
        records = static_cast<std::size_t>(last.recordsReceived);
        bytes = last.bytesReceived;
        out["verified"] = last.verified;
        out["attempts"] = last.attempts;
        if (!report)
            error = "the sync client failed: " + report.error().message;
    } else {
        pullDirectly();
    }

    out["records"] = records;
    out["pages"] = pages;
    out["bytes"] = bytes;
    out["seconds"] = seconds;
    out["hello_seconds"] = helloSeconds;
    out["apply_seconds"] = applySeconds;
    out["rss_start_kib"] = rssStart;
    if (auto memory = readProcessMemory())
        out["peak_kib"] = memory->hwmKiB;
    if (auto cpu = readCpuSeconds())
        out["cpu_seconds"] = *cpu;
    if (fresh.store) {
        fresh.applier.reset();
        fresh.store.reset();
        out["store_bytes"] = fileBytes(options.store);
    }
    return finish(error);
}

} // namespace beatbook::loadgen
