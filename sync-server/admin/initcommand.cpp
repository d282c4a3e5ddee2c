#include "commands.h"

#include "crypto/certificates.h"
#include "server/serveridentity.h"
#include "sync/serveraddress.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace beatbook::admin {
namespace {

namespace fs = std::filesystem;

// Where a new server listens unless told otherwise: loopback only, so a
// server set up for a try is not reachable from the network by accident.
constexpr std::string_view kDefaultListen = "127.0.0.1:7443";

struct InitOptions {
    std::string hostname;
    std::string listen = std::string(kDefaultListen);
};

std::string defaultHostname()
{
    std::array<char, 256> name{};
    if (::gethostname(name.data(), name.size() - 1) == 0 && isHostName(name.data()))
        return name.data();
    return "localhost";
}

// What init created, removed again if a later step fails, so a failed init
// can simply be run again.
class Created {
public:
    void add(const fs::path &path) { m_paths.push_back(path); }
    void keep() { m_paths.clear(); }
    ~Created()
    {
        for (auto it = m_paths.rbegin(); it != m_paths.rend(); ++it) {
            std::error_code ec;
            fs::remove(*it, ec);
        }
    }

private:
    std::vector<fs::path> m_paths;
};

// Created with its final mode and never over an existing file: keys are
// never readable by others, not even for a moment.
Status writeNewFile(const std::string &path, const std::string &content, mode_t mode, Created &created)
{
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return Error::io("cannot create " + path + ": " + std::strerror(errno));
    created.add(path);
    bool ok = ::fchmod(fd, mode) == 0;  // the umask may have narrowed or widened nothing else
    std::size_t done = 0;
    while (ok && done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        ok = n > 0;
        if (ok)
            done += static_cast<std::size_t>(n);
    }
    ok = ::fsync(fd) == 0 && ok;
    const int savedErrno = errno;
    ok = ::close(fd) == 0 && ok;
    if (!ok)
        return Error::io("cannot write " + path + ": " + std::strerror(savedErrno));
    return {};
}

Status createDirectory(const fs::path &dir, Created &created)
{
    std::error_code ec;
    if (fs::exists(dir, ec)) {
        if (!fs::is_directory(dir, ec))
            return Error::invalid(dir.string() + " exists and is not a directory");
        return {};
    }
    // Parents first, each recorded so a failure removes them again.
    if (dir.has_parent_path() && dir.parent_path() != dir)
        if (auto ok = createDirectory(dir.parent_path(), created); !ok)
            return ok;
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        return Error::io("cannot create " + dir.string() + ": " + std::strerror(errno));
    created.add(dir);
    return {};
}

// TOML-ish "key = value", as CLI11 reads config files.
std::string quoted(const std::string &value) { return "\"" + value + "\""; }

Status initialise(AdminContext &ctx, const InitOptions &options)
{
    if (ctx.dataDir.empty())
        return Error::invalid("--data DIR is required");
    const std::string hostname = options.hostname.empty() ? defaultHostname() : options.hostname;
    if (!isHostName(hostname))
        return Error::invalid("--hostname must be a DNS name (letters, digits, hyphens and dots) or an IP address");
    auto listen = parseServerAddress(options.listen);
    if (!listen)
        return Error::invalid("--listen: " + listen.error().message);

    const ServerPaths paths = ctx.paths();
    std::error_code ec;
    for (const std::string &part : {paths.database(), paths.config(), paths.dataDir + "/tls"})
        if (fs::exists(part, ec))
            return Error::notAllowed(ctx.dataDir + " already holds a server (" + fs::path(part).filename().string()
                                     + "): init refuses to overwrite its keys and database");

    Created created;
    if (auto ok = createDirectory(fs::path(paths.dataDir).lexically_normal(), created); !ok)
        return ok;
    if (auto ok = createDirectory(paths.dataDir + "/tls", created); !ok)
        return ok;

    auto ca = createCertificateAuthority("Beatbook sync CA (" + hostname + ")");
    if (!ca)
        return ca.error();
    std::vector<std::string> dnsNames{"localhost"};
    std::vector<std::string> ipAddresses{"127.0.0.1", "::1"};
    if (isIpAddress(hostname)) {
        if (hostname != "127.0.0.1" && hostname != "::1")
            ipAddresses.insert(ipAddresses.begin(), hostname);
    } else if (hostname != "localhost") {
        dnsNames.insert(dnsNames.begin(), hostname);
    }
    auto server = issueServerCertificate(*ca, dnsNames, ipAddresses);
    if (!server)
        return server.error();
    auto fingerprint = certificateSha256(server->certificatePem);
    if (!fingerprint)
        return fingerprint.error();

    if (auto ok = writeNewFile(paths.caKey(), ca->privateKeyPem, 0600, created); !ok)
        return ok;
    if (auto ok = writeNewFile(paths.caCertificate(), ca->certificatePem, 0644, created); !ok)
        return ok;
    if (auto ok = writeNewFile(paths.serverKey(), server->privateKeyPem, 0600, created); !ok)
        return ok;
    if (auto ok = writeNewFile(paths.serverCertificate(), server->certificatePem, 0644, created); !ok)
        return ok;

    std::string serverId;
    {
        created.add(paths.database());
        created.add(paths.database() + "-wal");
        created.add(paths.database() + "-shm");
        auto db = openServerDatabase(paths.database());
        if (!db)
            return db.error();
        Status made = (*db)->transaction([&]() -> Status {
            auto identity = createServerIdentity(**db, ctx.random());
            if (!identity)
                return identity.error();
            serverId = identity->serverId;
            return appendAdminAudit(**db, ctx.auditEntry(AdminAction::Init, serverId,
                                                          "hostname=" + hostname + " listen=" + listen->text()));
        });
        if (!made)
            return made;
    }

    // Written last: its presence marks a finished init.
    const std::string conf = "# Beatbook sync server settings, written by beatbook-admin init.\n"
                             "# Each key is also a beatbook-sync-server option (--listen, --hostname, ...).\n"
                             "listen = " + quoted(listen->text()) + "\n"
                             "hostname = " + quoted(hostname) + "\n";
    if (auto ok = writeNewFile(paths.config(), conf, 0644, created); !ok)
        return ok;
    created.keep();

    const std::string fp = toHex(*fingerprint);
    ctx.print(Json{{"data_dir", ctx.dataDir},
                   {"server_id", serverId},
                   {"listen", listen->text()},
                   {"hostname", hostname},
                   {"certificate_sha256", fp}},
              "Initialised a Beatbook sync server in " + ctx.dataDir + "\n"
                  + "Server id: " + serverId + "\n"
                  + "Listens on " + listen->text() + "; certificate for " + hostname
                  + ", localhost, 127.0.0.1 and ::1\n"
                  + "Certificate SHA-256: " + fp + "\n"
                  + "Next: beatbook-admin --data " + ctx.dataDir + " user add NAME --role ROLE --ward CODE");
    return {};
}

} // namespace

void addInitCommand(CommandSet &set)
{
    AdminContext &ctx = set.ctx;
    int &exitCode = set.exitCode;
    auto options = std::make_shared<InitOptions>();
    auto *init = set.app.add_subcommand("init", "Set up a data directory: CA, server certificate, database, config");
    init->add_option("--hostname", options->hostname,
                     "The name devices reach the server by, put in its certificate (default: this machine's name)");
    init->add_option("--listen", options->listen, "Where the server listens, HOST:PORT")
        ->default_str(std::string(kDefaultListen));
    init->callback([&ctx, &exitCode, options] { ctx.run(exitCode, [&] { return initialise(ctx, *options); }); });
}

} // namespace beatbook::admin
