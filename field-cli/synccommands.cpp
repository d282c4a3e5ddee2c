#include "commands.h"

#include "qrcodereader.h"

#include "core/isotime.h"
#include "core/randomsource.h"
#include "crypto/certificates.h"
#include "store/query.h"
#include "sync/enrolment.h"
#include "sync/outboxqueue.h"
#include "sync/syncclient.h"
#include "sync/syncstate.h"

#include <filesystem>
#include <iostream>
#include <memory>

namespace beatbook::field {
namespace {

std::string joinWards(const std::vector<std::string> &wards)
{
    std::string out;
    for (const auto &ward : wards)
        out += (out.empty() ? "" : ", ") + ward;
    return out.empty() ? "no wards" : "wards " + out;
}

std::string plural(std::uint64_t n, const char *one, const char *many)
{
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

nlohmann::ordered_json reportJson(const SyncReport &report)
{
    return {{"sent", report.changesSent},
            {"accepted", report.accepted},
            {"rejected", report.rejected},
            {"conflicts", report.conflicts},
            {"received", report.recordsReceived},
            {"removed", report.recordsRemoved},
            {"forgotten", report.forgotten},
            {"verified", report.verified},
            {"repaired", report.repaired},
            {"mismatched", report.mismatched},
            {"bytes_sent", report.bytesSent},
            {"bytes_received", report.bytesReceived},
            {"attempts", report.attempts}};
}

std::string reportText(const SyncReport &report)
{
    std::string text = "Sent " + plural(report.changesSent, "change", "changes") + ": "
        + std::to_string(report.accepted) + " accepted, " + std::to_string(report.rejected) + " rejected";
    if (report.conflicts > 0)
        text += " (" + plural(report.conflicts, "concurrent edit kept for review", "concurrent edits kept for review")
            + ")";
    text += ". Received " + plural(report.recordsReceived, "record", "records");
    if (report.recordsRemoved > 0)
        text += "; " + plural(report.recordsRemoved, "record", "records") + " left this device's scope";
    text += ".";
    if (report.forgotten > 0)
        text += " Personal details of " + plural(report.forgotten, "person", "people")
            + " are now held by the server only.";
    text += report.verified ? " Checked: this device holds what the server holds for it."
                            : " The check against the server found differences in: "
            + [&] {
                  std::string names;
                  for (const auto &name : report.mismatched)
                      names += (names.empty() ? "" : ", ") + name;
                  return names.empty() ? std::string("(not checked)") : names;
              }() + ".";
    if (report.rejected > 0)
        text += "\nRejected changes are kept on this device: `status` shows why.";
    return text;
}

// Syncing or reading the status of a database that does not exist must not
// create one as a side effect.
bool databaseExists(FieldContext &ctx, int &exitCode)
{
    std::error_code error;
    if (!ctx.dbPath.empty() && !std::filesystem::exists(ctx.dbPath, error)) {
        exitCode = ctx.fail(Error::notFound("no device database at " + ctx.dbPath + ": enrol the device first"));
        return false;
    }
    return true;
}

} // namespace

void addSyncCommands(CommandSet &set)
{
    FieldContext &ctx = set.ctx;
    int &exitCode = set.exitCode;

    // enrol
    struct EnrolOptions {
        std::string server;
        std::string code;
        std::string qrFile;
        std::string label = "beatbook-field";
    };
    auto enrol = std::make_shared<EnrolOptions>();
    auto *enrolCmd = set.app.add_subcommand(
        "enrol", "Enrol this device with a sync server, using a one-time code (sets the database up if needed)");
    enrolCmd->add_option("--server", enrol->server, "The sync server, HOST:PORT");
    enrolCmd->add_option("--code", enrol->code, "The one-time enrolment code");
    enrolCmd->add_option("--qr", enrol->qrFile, "A PNG image of the enrolment QR code, instead of --server and --code");
    enrolCmd->add_option("--label", enrol->label, "How the device is named in the server's device list");
    enrolCmd->callback([&ctx, &exitCode, enrol] {
        EnrolmentRequest request;
        if (!enrol->qrFile.empty()) {
            if (!enrol->code.empty() || !enrol->server.empty()) {
                exitCode = ctx.fail(Error::invalid("give either --qr, or --server with --code, not both"));
                return;
            }
            auto text = readQrCodePng(enrol->qrFile);
            if (!text) {
                exitCode = ctx.fail(text.error());
                return;
            }
            auto invite = parseEnrolmentInvite(*text);
            if (!invite) {
                exitCode = ctx.fail(invite.error());
                return;
            }
            request.invite = std::move(*invite);
        } else {
            if (enrol->server.empty() || enrol->code.empty()) {
                exitCode = ctx.fail(Error::invalid("give --server HOST:PORT and --code CODE, or --qr FILE"));
                return;
            }
            request.server = enrol->server;
            request.code = enrol->code;
        }
        request.deviceLabel = enrol->label;
        request.packDirectory = ctx.packOverride.empty()
            ? DataPack::defaultDirectory()
            : std::filesystem::absolute(ctx.packOverride).lexically_normal().string();
        ctx.run(
            exitCode,
            [&](DeviceStore &store) -> Status {
                auto enrolled = enrolDevice(store, request);
                if (!enrolled)
                    return enrolled.error();
                ctx.print({{"device_id", enrolled->deviceId},
                           {"user", enrolled->userName},
                           {"role", toString(enrolled->role)},
                           {"wards", enrolled->wards},
                           {"server", enrolled->server},
                           {"server_id", enrolled->serverId},
                           {"certificate_sha256", toHex(enrolled->certificateSha256)},
                           {"initialised", enrolled->initialised}},
                          "Enrolled device " + enrolled->deviceId + " for " + enrolled->userName + " ("
                              + std::string(toString(enrolled->role)) + ", " + joinWards(enrolled->wards) + ") with "
                              + enrolled->server + "\nServer certificate SHA-256 " + toHex(enrolled->certificateSha256));
                return {};
            },
            FieldContext::StoreUse::OpenOnly);
    });

    // sync
    auto *syncCmd = set.app.add_subcommand("sync", "Send this device's changes to the sync server and fetch its own");
    syncCmd->callback([&ctx, &exitCode] {
        if (!databaseExists(ctx, exitCode))
            return;
        ctx.run(
            exitCode,
            [&](DeviceStore &store) -> Status {
                SecureRandom random;
                SyncClient client(store, random);
                auto synced = client.sync();
                if (synced) {
                    ctx.print(reportJson(*synced), reportText(*synced));
                    return {};
                }
                const SyncReport &report = client.lastReport();
                if (ctx.jsonOutput) {
                    nlohmann::ordered_json out = reportJson(report);
                    out["error"] = synced.error().message;
                    out["refusal"] = report.refusal ? nlohmann::ordered_json(*report.refusal) : nullptr;
                    out["wiped"] = report.wiped;
                    ctx.print(out, "");
                }
                return synced.error();
            },
            FieldContext::StoreUse::OpenOnly);
    });

    // status
    auto *statusCmd = set.app.add_subcommand("status", "Pending changes, last sync, conflicts and rejected changes");
    statusCmd->callback([&ctx, &exitCode] {
        if (!databaseExists(ctx, exitCode))
            return;
        ctx.run(
            exitCode,
            [&](DeviceStore &store) -> Status {
                auto state = loadSyncState(store.db());
                if (!state)
                    return state.error();
                OutboxQueue queue(store.db(), store.clock());
                auto counts = queue.counts();
                if (!counts)
                    return counts.error();
                auto rejected = queue.rejected();
                if (!rejected)
                    return rejected.error();
                struct Flagged {
                    std::string entity;
                    std::string id;
                    std::string fields;
                };
                auto flagged = readRows(
                    store.db(),
                    "SELECT entity, entity_id, COALESCE((SELECT group_concat(field, ', ') FROM sync_conflicts c "
                    "WHERE c.entity = r.entity AND c.entity_id = r.entity_id), '') FROM (SELECT entity, entity_id "
                    "FROM sync_review UNION SELECT entity, entity_id FROM sync_conflicts) r ORDER BY entity, entity_id",
                    noParameters, [](const Statement &s) {
                        return Flagged{s.columnText(0), s.columnText(1), s.columnText(2)};
                    });
                if (!flagged)
                    return flagged.error();

                nlohmann::ordered_json out;
                std::string text;
                if (store.isInitialised()) {
                    const DeviceProfile &profile = store.profile();
                    out["device_id"] = profile.deviceId;
                    out["user"] = profile.userName;
                    out["role"] = toString(profile.role);
                    out["wards"] = profile.wards;
                    text += "Device " + profile.deviceId + " for " + profile.userName + " ("
                        + std::string(toString(profile.role)) + ", " + joinWards(profile.wards) + ")\n";
                } else {
                    out["device_id"] = nullptr;
                    text += "This database is not set up yet.\n";
                }
                out["enrolled"] = state->isEnrolled();
                out["server"] = state->isEnrolled() ? nlohmann::ordered_json(state->serverAddress) : nullptr;
                out["last_sync"] = state->lastSyncAt ? nlohmann::ordered_json(formatIsoTime(*state->lastSyncAt)) : nullptr;
                out["pending"] = counts->pending;
                text += state->isEnrolled() ? "Sync server " + state->serverAddress + "\n"
                                            : std::string("Not enrolled with a sync server: run enrol.\n");
                text += "Last sync: " + (state->lastSyncAt ? formatIsoTime(*state->lastSyncAt) : std::string("never"))
                    + "\n";
                text += "Pending changes: " + std::to_string(counts->pending) + "\n";

                nlohmann::ordered_json rejections = nlohmann::ordered_json::array();
                for (const auto &r : *rejected)
                    rejections.push_back({{"seq", r.seq},
                                          {"change_id", r.changeId},
                                          {"entity", r.entity},
                                          {"entity_id", r.entityId},
                                          {"op", r.op},
                                          {"reason", r.reason},
                                          {"created_at", formatIsoTime(r.createdAt)},
                                          {"answered_at", r.answeredAt ? nlohmann::ordered_json(formatIsoTime(*r.answeredAt))
                                                                       : nullptr}});
                out["rejected"] = rejections;
                text += "Rejected changes: " + std::to_string(rejected->size()) + "\n";
                for (const auto &r : *rejected)
                    text += "  #" + std::to_string(r.seq) + " " + r.op + " " + r.entity + " " + r.entityId + ": "
                        + r.reason + "\n";

                nlohmann::ordered_json conflicts = nlohmann::ordered_json::array();
                for (const auto &f : *flagged) {
                    nlohmann::ordered_json fields = nlohmann::ordered_json::array();
                    if (!f.fields.empty())
                        for (std::size_t start = 0;;) {
                            const std::size_t comma = f.fields.find(", ", start);
                            fields.push_back(f.fields.substr(start, comma - start));
                            if (comma == std::string::npos)
                                break;
                            start = comma + 2;
                        }
                    conflicts.push_back({{"entity", f.entity}, {"entity_id", f.id}, {"fields", fields}});
                }
                out["conflicts"] = conflicts;
                text += "Records flagged for review: " + std::to_string(flagged->size()) + "\n";
                for (const auto &f : *flagged)
                    text += "  " + f.entity + " " + f.id + (f.fields.empty() ? "" : ": " + f.fields + " changed concurrently")
                        + "\n";
                ctx.print(out, text);
                return {};
            },
            FieldContext::StoreUse::OpenOnly);
    });
}

} // namespace beatbook::field
