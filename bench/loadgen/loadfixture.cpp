#include "loadfixture.h"

#include "core/clock.h"
#include "crypto/certificates.h"
#include "crypto/devicekey.h"
#include "processprobe.h"
#include "server/serverdatabase.h"
#include "sync/enrolmentcode.h"

#include <boost/asio/ip/address_v4.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace beatbook::loadgen {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr std::int64_t kCodeValidityMs = 24LL * 3600 * 1000;

Result<std::string> readWholeFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Error::io("cannot read " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

double secondsSince(SteadyClock::time_point start)
{
    return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

} // namespace

LoadFixture::LoadFixture(LoadgenOptions options, WardPositions positions)
    : m_options(std::move(options)), m_positions(std::move(positions))
{
}

LoadFixture::~LoadFixture()
{
    m_server.stop();
    m_directory.reset();
    if (m_ownsDir && !m_options.keepWorkDir) {
        std::error_code ec;
        fs::remove_all(m_rootDir, ec);
    }
}

Result<std::unique_ptr<LoadFixture>> LoadFixture::create(const LoadgenOptions &options)
{
    auto positions = WardPositions::load(options.packDir, 64, 20261124);
    if (!positions)
        return positions.error();
    std::unique_ptr<LoadFixture> fixture(new LoadFixture(options, std::move(*positions)));
    if (auto ok = fixture->setUp(); !ok)
        return ok.error();
    return fixture;
}

Status LoadFixture::setUp()
{
    if (m_options.workDir.empty()) {
        std::string pattern = (fs::temp_directory_path() / "beatbook-loadgen-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr)
            return Error::io("cannot make a temporary directory under " + fs::temp_directory_path().string());
        m_rootDir = pattern;
        m_ownsDir = true;
    } else {
        m_rootDir = m_options.workDir;
        std::error_code ec;
        fs::create_directories(m_options.workDir, ec);
        if (fs::exists(m_rootDir + "/data"))
            return Error::invalid(m_rootDir + "/data already exists: give an empty --work-dir");
    }
    m_dataDir = m_rootDir + "/data";

    if (auto ok = runProgram(m_options.adminExe, {"--data", m_dataDir, "init", "--hostname", "localhost"}); !ok)
        return ok.error();

    const auto wards = m_positions.wardCodes();
    if (wards.size() < 3)
        return Error::dataPack("the pack has fewer than 3 wards; the benchmark needs one to download and others "
                               "to upload into");
    // The download ward is the first; the uploading users take the others.
    const std::string downloadWard = wards.front();
    m_seedUser = {"lg-seed", "pcso", downloadWard};
    m_readerUser = {"lg-reader", "pcso", downloadWard};
    m_idleUser = {"lg-idle", "pcso", wards[1]};
    for (std::size_t i = 1; i < wards.size(); ++i)
        m_uploadUsers.push_back({"lg-pcso-" + std::to_string(i), "pcso", wards[i]});

    std::vector<LoadUser> all = m_uploadUsers;
    all.push_back(m_seedUser);
    all.push_back(m_readerUser);
    all.push_back(m_idleUser);
    for (const auto &user : all)
        if (auto ok = runProgram(m_options.adminExe,
                                 {"--data", m_dataDir, "user", "add", user.name, "--role", user.role, "--ward", user.ward});
            !ok)
            return ok.error();

    if (!m_options.serverConf.empty()) {
        std::ofstream conf(ServerPaths{m_dataDir}.config(), std::ios::app);
        for (const auto &line : m_options.serverConf)
            conf << line << '\n';
        if (!conf)
            return Error::io("cannot append to " + ServerPaths{m_dataDir}.config());
    }

    auto certificate = readWholeFile(ServerPaths{m_dataDir}.serverCertificate());
    if (!certificate)
        return certificate.error();
    auto digest = certificateSha256(*certificate);
    if (!digest)
        return digest.error();
    m_pin = *digest;
    auto tls = makeClientTlsContext();
    if (!tls)
        return tls.error();
    m_tls = *tls;

    auto db = openServerDatabase(ServerPaths{m_dataDir}.database());
    if (!db)
        return db.error();
    m_directory = std::make_unique<SqliteDeviceDirectory>(std::move(*db));
    return {};
}

Status LoadFixture::startServer()
{
    return m_server.start(m_options.serverExe, m_dataDir, serverLogPath(), m_options.serverArgs,
                          std::chrono::seconds(60));
}

void LoadFixture::stopServer() { m_server.stop(); }

boost::asio::ip::tcp::endpoint LoadFixture::endpoint() const
{
    return {boost::asio::ip::address_v4::loopback(), m_server.port()};
}

Result<DeviceCredentials> LoadFixture::enrolDirect(const std::string &userName)
{
    SystemClock clock;
    auto key = generateDeviceKey();
    if (!key)
        return key.error();
    auto code = m_directory->issueEnrolmentCode(userName, clock.nowMs(), kCodeValidityMs);
    if (!code)
        return code.error();
    auto enrolled = m_directory->enrolDevice(enrolmentSecretText(code->secret), key->publicKey,
                                             "loadgen " + std::to_string(++m_enrolled), clock.nowMs());
    if (!enrolled)
        return enrolled.error();
    return DeviceCredentials{enrolled->device.id, key->privateKey, key->publicKey, userName, {}, {}};
}

Result<EnrolmentRun> LoadFixture::enrolDevices(AsyncRunner &runner, const std::string &userName, std::size_t count,
                                               EnrolPath path, std::size_t parallel)
{
    EnrolmentRun run;
    run.path = path;
    const auto start = SteadyClock::now();
    if (path == EnrolPath::Direct) {
        for (std::size_t i = 0; i < count; ++i) {
            auto device = enrolDirect(userName);
            if (!device)
                return device.error();
            run.devices.push_back(std::move(*device));
        }
        run.seconds = secondsSince(start);
        return run;
    }

    // The codes first (each its own durable transaction in server.db), then
    // the devices redeem them over TLS, `parallel` at a time.
    SystemClock clock;
    struct Pending {
        std::string secretText;
        DeviceKeyPair key;
        std::optional<Result<DeviceCredentials>> outcome;
    };
    std::vector<Pending> pending(count);
    for (auto &item : pending) {
        auto code = m_directory->issueEnrolmentCode(userName, clock.nowMs(), kCodeValidityMs);
        if (!code)
            return code.error();
        auto key = generateDeviceKey();
        if (!key)
            return key.error();
        item.secretText = enrolmentSecretText(code->secret);
        item.key = std::move(*key);
    }
    std::atomic<std::size_t> next{0};
    const auto server = endpoint();
    for (std::size_t worker = 0; worker < std::min(parallel, count); ++worker) {
        auto executor = runner.newExecutor();
        runner.spawn(executor, [this, executor, server, &pending, &next, userName]() -> boost::asio::awaitable<void> {
            for (;;) {
                const std::size_t index = next++;
                if (index >= pending.size())
                    co_return;
                auto &item = pending[index];
                auto session = co_await DeviceSession::open(executor, server, m_tls, m_pin);
                if (!session) {
                    item.outcome = session.error();
                    continue;
                }
                auto response = co_await (*session)->enrol(item.secretText, item.key.publicKey,
                                                          "loadgen " + std::to_string(index));
                co_await (*session)->close();
                if (!response)
                    item.outcome = response.error();
                else
                    item.outcome = DeviceCredentials{response->device_id(), item.key.privateKey, item.key.publicKey,
                                                     userName, response->match_key(), response->server_id()};
            }
        });
    }
    runner.run();
    run.seconds = secondsSince(start);
    for (auto &item : pending) {
        if (!item.outcome)
            return Error::io("an enrolment did not finish");
        if (!*item.outcome)
            return Error::io("enrolment over the protocol failed: " + item.outcome->error().message);
        run.devices.push_back(std::move(item.outcome->value()));
    }
    return run;
}

} // namespace beatbook::loadgen
