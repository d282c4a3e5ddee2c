#include "sync/recordmerge.h"

#include <QTest>

#include <algorithm>
#include <numeric>

using namespace beatbook;

// QCOMPARE cannot take Fields (nlohmann's conversions confuse Qt's
// overloads); this compares and shows both values on failure.
#define COMPARE_FIELDS(actual, expected)                                                                     \
    QVERIFY2((actual) == (expected),                                                                        \
             qPrintable(QString::fromStdString(Fields(actual).dump() + " != " + Fields(expected).dump())))

namespace {

const std::string kId = "0192f1d2-7a3b-7c4d-8e5f-0123456789ab";

std::uint64_t t(std::uint64_t n) { return (1700000000000ULL + n * 1000) << 16; }

SyncChange change(ChangeOp op, const std::string &device, std::uint64_t hlc, std::uint64_t base, Fields fields)
{
    SyncChange c;
    c.seq = 1;
    c.changeId = device + "-" + std::to_string(hlc);
    c.entity = "asb_reports";
    c.entityId = kId;
    c.op = op;
    c.hlc = hlc;
    c.baseHlc = base;
    c.deviceId = device;
    c.fields = std::move(fields);
    return c;
}

SyncChange create(const std::string &device, std::uint64_t hlc, Fields fields)
{
    return change(ChangeOp::Create, device, hlc, 0, std::move(fields));
}

SyncChange update(const std::string &device, std::uint64_t hlc, std::uint64_t base, Fields fields)
{
    return change(ChangeOp::Update, device, hlc, base, std::move(fields));
}

Fields baseRecord()
{
    Fields f = Fields::object();
    f["status"] = "submitted";
    f["assigned_to"] = nullptr;
    f["description"] = "Bins set alight";
    f["close_reason"] = nullptr;
    return f;
}

MergeState apply(const MergeState &state, const SyncChange &c) { return mergeChange(state, c).merged; }

// Two states are the same when every value, stamp and conflict is; the key
// order of `fields` is not part of a record's state.
QString differences(const MergeState &a, const MergeState &b)
{
    QStringList out;
    if (nlohmann::json::parse(a.fields.dump()) != nlohmann::json::parse(b.fields.dump()))
        out << QString::fromStdString("fields " + a.fields.dump() + " vs " + b.fields.dump());
    if (a.stamps != b.stamps)
        out << "stamps";
    if (a.version != b.version)
        out << "version";
    if (a.conflicts.size() != b.conflicts.size()) {
        out << "conflicted fields";
    } else {
        for (const auto &[field, values] : a.conflicts) {
            auto other = b.conflicts.find(field);
            if (other == b.conflicts.end() || other->second.size() != values.size()) {
                out << QString::fromStdString("conflict on " + field);
                continue;
            }
            for (std::size_t i = 0; i < values.size(); ++i)
                if (values[i].value != other->second[i].value || values[i].stamp != other->second[i].stamp)
                    out << QString::fromStdString("conflict value " + std::to_string(i) + " of " + field);
        }
    }
    return out.join("; ");
}

std::vector<std::string> conflictValues(const MergeState &s, const std::string &field)
{
    std::vector<std::string> out;
    auto found = s.conflicts.find(field);
    if (found == s.conflicts.end())
        return out;
    for (const auto &v : found->second)
        out.push_back(v.value.is_string() ? v.value.get<std::string>() : v.value.dump());
    return out;
}

using Strings = std::vector<std::string>;

// Every order of the changes, from `start`, must end in the same state.
bool sameInEveryOrder(const MergeState &start, const std::vector<SyncChange> &changes, MergeState &result)
{
    std::vector<std::size_t> order(changes.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    bool first = true;
    int orders = 0;
    do {
        MergeState s = start;
        for (auto i : order)
            s = apply(s, changes[i]);
        ++orders;
        if (first) {
            result = s;
            first = false;
        } else if (const QString diff = differences(result, s); !diff.isEmpty()) {
            qWarning("order %d differs: %s", orders, qPrintable(diff));
            return false;
        }
    } while (std::next_permutation(order.begin(), order.end()));
    return true;
}

} // namespace

class TestRecordMerge : public QObject {
    Q_OBJECT
private slots:
    void createFillsEveryField()
    {
        const auto outcome = mergeChange(MergeState{}, create("a", t(1), baseRecord()));
        const MergeState &s = outcome.merged;
        COMPARE_FIELDS(s.fields, baseRecord());
        QCOMPARE(s.version, t(1));
        QCOMPARE(s.stamps.size(), std::size_t{4});
        QVERIFY(s.stamps.at("status") == (FieldStamp{t(1), "a", 0}));
        QVERIFY(s.conflicts.empty());
        QVERIFY(outcome.newConflicts.empty());
        COMPARE_FIELDS(outcome.changedFields, baseRecord());
    }

    void laterUpdateThatSawTheValueWins()
    {
        MergeState s = apply({}, create("a", t(1), baseRecord()));
        const auto outcome = mergeChange(s, update("b", t(2), t(1), {{"status", "triaged"}}));
        COMPARE_FIELDS(outcome.merged.fields["status"], Fields("triaged"));
        QVERIFY(outcome.merged.stamps.at("status") == (FieldStamp{t(2), "b", t(1)}));
        QVERIFY(outcome.merged.conflicts.empty());
        COMPARE_FIELDS(outcome.changedFields, (Fields{{"status", "triaged"}}));
        QCOMPARE(outcome.merged.version, t(2));
        // Untouched fields keep their stamps.
        QVERIFY(outcome.merged.stamps.at("description") == (FieldStamp{t(1), "a", 0}));
    }

    void concurrentDifferentValuesKeepBoth()
    {
        MergeState s = apply({}, create("a", t(1), baseRecord()));
        s = apply(s, update("b", t(2), t(1), {{"assigned_to", "pc-bob"}}));
        const auto outcome = mergeChange(s, update("c", t(3), t(1), {{"assigned_to", "pc-cat"}}));
        const MergeState &m = outcome.merged;
        COMPARE_FIELDS(m.fields["assigned_to"], Fields("pc-cat")); // the later stamp shows
        QCOMPARE(conflictValues(m, "assigned_to"), (Strings{"pc-bob", "pc-cat"}));
        QVERIFY(m.conflicts.at("assigned_to")[0].stamp == (FieldStamp{t(2), "b", 0}));
        QVERIFY(m.conflicts.at("assigned_to")[1].stamp == (FieldStamp{t(3), "c", 0}));
        QCOMPARE(outcome.newConflicts, (Strings{"assigned_to"}));
        COMPARE_FIELDS(outcome.changedFields, (Fields{{"assigned_to", "pc-cat"}}));
    }

    void concurrentEarlierArrivingLateIsKeptButDoesNotShow()
    {
        MergeState s = apply({}, create("a", t(1), baseRecord()));
        s = apply(s, update("c", t(3), t(1), {{"assigned_to", "pc-cat"}}));
        const auto outcome = mergeChange(s, update("b", t(2), t(1), {{"assigned_to", "pc-bob"}}));
        COMPARE_FIELDS(outcome.merged.fields["assigned_to"], Fields("pc-cat"));
        QCOMPARE(conflictValues(outcome.merged, "assigned_to"), (Strings{"pc-bob", "pc-cat"}));
        QCOMPARE(outcome.newConflicts, (Strings{"assigned_to"}));
        QVERIFY(outcome.changedFields.empty()); // the shown value did not move
    }

    void concurrentSameValueIsNoConflict()
    {
        MergeState s = apply({}, create("a", t(1), baseRecord()));
        s = apply(s, update("b", t(2), t(1), {{"status", "triaged"}}));
        const auto outcome = mergeChange(s, update("c", t(3), t(1), {{"status", "triaged"}}));
        QVERIFY(outcome.merged.conflicts.empty());
        QVERIFY(outcome.newConflicts.empty());
        QVERIFY(outcome.changedFields.empty());
        QCOMPARE(outcome.merged.stamps.at("status").hlc, t(3));
    }

    void concurrentDifferentFieldsBothApply()
    {
        MergeState s = apply({}, create("a", t(1), baseRecord()));
        s = apply(s, update("b", t(2), t(1), {{"status", "triaged"}}));
        s = apply(s, update("c", t(3), t(1), {{"description", "Bins and a car set alight"}}));
        COMPARE_FIELDS(s.fields["status"], Fields("triaged"));
        COMPARE_FIELDS(s.fields["description"], Fields("Bins and a car set alight"));
        QVERIFY(s.conflicts.empty());
    }

    void aWriteSomeoneHadSeenIsReplacedNotConflicting()
    {
        // b wrote, c saw it (base t(2)) and wrote again; b's write arriving
        // again late (another server's copy, a retried batch) changes nothing.
        MergeState s = apply({}, create("a", t(1), baseRecord()));
        const SyncChange byB = update("b", t(2), t(1), {{"assigned_to", "pc-bob"}});
        s = apply(s, byB);
        s = apply(s, update("c", t(3), t(2), {{"assigned_to", "pc-cat"}}));
        QVERIFY(s.conflicts.empty());
        const auto outcome = mergeChange(s, byB);
        QVERIFY(outcome.merged.conflicts.empty());
        QVERIFY(outcome.changedFields.empty());
        COMPARE_FIELDS(outcome.merged.fields["assigned_to"], Fields("pc-cat"));
        QVERIFY(outcome.merged.stamps.at("assigned_to") == (FieldStamp{t(3), "c", t(2)}));
    }

    void replayChangesNothing()
    {
        MergeState s = apply({}, create("a", t(1), baseRecord()));
        const SyncChange c = update("b", t(2), t(1), {{"status", "triaged"}});
        s = apply(s, c);
        const auto again = mergeChange(s, c);
        QVERIFY(differences(again.merged, s).isEmpty());
        QVERIFY(again.changedFields.empty());
        QVERIFY(again.newConflicts.empty());
    }

    void replayedCreateChangesNothing()
    {
        const SyncChange created = create("a", t(1), baseRecord());
        MergeState s = apply({}, created);
        s = apply(s, update("b", t(2), t(1), {{"status", "triaged"}}));
        s = apply(s, update("c", t(3), t(2), {{"assigned_to", "pc-cat"}}));
        const auto again = mergeChange(s, created);
        QVERIFY2(differences(again.merged, s).isEmpty(), qPrintable(differences(again.merged, s)));
        QVERIFY(again.changedFields.empty());
        QVERIFY(again.merged.conflicts.empty());
    }

    void aDeviceNeverConflictsWithItself()
    {
        // Two offline edits from one device, both based on the version it
        // pulled: the second replaces the first.
        MergeState s = apply({}, create("a", t(1), baseRecord()));
        s = apply(s, update("b", t(2), t(1), {{"assigned_to", "pc-bob"}}));
        s = apply(s, update("b", t(3), t(1), {{"assigned_to", "pc-bill"}}));
        QVERIFY(s.conflicts.empty());
        COMPARE_FIELDS(s.fields["assigned_to"], Fields("pc-bill"));
        // Arriving the other way round, the same.
        MergeState r = apply({}, create("a", t(1), baseRecord()));
        r = apply(r, update("b", t(3), t(1), {{"assigned_to", "pc-bill"}}));
        r = apply(r, update("b", t(2), t(1), {{"assigned_to", "pc-bob"}}));
        QVERIFY2(differences(r, s).isEmpty(), qPrintable(differences(r, s)));
    }

    void equalClocksBreakTiesByDevice()
    {
        MergeState s = apply({}, create("a", t(1), baseRecord()));
        s = apply(s, update("zed", t(2), t(1), {{"assigned_to", "from-zed"}}));
        s = apply(s, update("abe", t(2), t(1), {{"assigned_to", "from-abe"}}));
        COMPARE_FIELDS(s.fields["assigned_to"], Fields("from-zed"));
        QCOMPARE(conflictValues(s, "assigned_to"), (Strings{"from-abe", "from-zed"}));
    }

    void aWriteThatSawEveryValueResolvesTheConflict()
    {
        MergeState s = apply({}, create("a", t(1), baseRecord()));
        s = apply(s, update("b", t(2), t(1), {{"assigned_to", "pc-bob"}}));
        s = apply(s, update("c", t(3), t(1), {{"assigned_to", "pc-cat"}}));
        QVERIFY(!s.conflicts.empty());

        const SyncChange resolution = update("sup", t(4), t(3), {{"assigned_to", "pc-bob"}});
        QVERIFY(resolvesConflict(s, resolution, "assigned_to"));
        const auto outcome = mergeChange(s, resolution);
        QVERIFY(outcome.merged.conflicts.empty());
        COMPARE_FIELDS(outcome.merged.fields["assigned_to"], Fields("pc-bob"));
        COMPARE_FIELDS(outcome.changedFields, (Fields{{"assigned_to", "pc-bob"}}));
    }

    void aWriteThatMissedAValueJoinsTheConflict()
    {
        MergeState s = apply({}, create("a", t(1), baseRecord()));
        s = apply(s, update("b", t(2), t(1), {{"assigned_to", "pc-bob"}}));
        s = apply(s, update("c", t(4), t(1), {{"assigned_to", "pc-cat"}}));
        // d saw b's value (base t(2)) but not c's.
        const SyncChange late = update("d", t(5), t(2), {{"assigned_to", "pc-dan"}});
        QVERIFY(!resolvesConflict(s, late, "assigned_to"));
        const MergeState m = apply(s, late);
        // b's value was seen and replaced by d; c's and d's are concurrent.
        QCOMPARE(conflictValues(m, "assigned_to"), (Strings{"pc-cat", "pc-dan"}));
        COMPARE_FIELDS(m.fields["assigned_to"], Fields("pc-dan"));
    }

    void resolvesConflictIsFalseWithoutAConflict()
    {
        MergeState s = apply({}, create("a", t(1), baseRecord()));
        QVERIFY(!resolvesConflict(s, update("b", t(2), t(1), {{"status", "triaged"}}), "status"));
        QVERIFY(!resolvesConflict(s, update("b", t(2), t(1), {{"status", "triaged"}}), "assigned_to"));
    }

    void versionIsTheHighestClockApplied()
    {
        MergeState s = apply({}, create("a", t(1), baseRecord()));
        s = apply(s, update("b", t(5), t(1), {{"status", "triaged"}}));
        s = apply(s, update("c", t(3), t(1), {{"description", "later news"}}));
        QCOMPARE(s.version, t(5));
    }

    void anUnstampedValueIsReplaced()
    {
        MergeState s;
        s.fields = baseRecord();
        s.version = t(1);
        const auto outcome = mergeChange(s, update("b", t(2), 0, {{"status", "triaged"}}));
        COMPARE_FIELDS(outcome.merged.fields["status"], Fields("triaged"));
        QVERIFY(outcome.merged.conflicts.empty());
    }

    void nullIsAValueLikeAnyOther()
    {
        MergeState s = apply({}, create("a", t(1), baseRecord()));
        s = apply(s, update("b", t(2), t(1), {{"close_reason", "moved away"}}));
        s = apply(s, update("c", t(3), t(1), {{"close_reason", nullptr}}));
        // c's write of "no reason" happened without seeing b's: both kept.
        QCOMPARE(conflictValues(s, "close_reason"), (Strings{"moved away", "null"}));
    }

    void threeDevicesConvergeInEveryOrder()
    {
        const SyncChange created = create("a", t(1), baseRecord());
        const MergeState start = apply({}, created);
        const std::vector<SyncChange> changes{
            update("a", t(2), t(1), {{"assigned_to", "pc-ann"}}),
            update("b", t(3), t(1), {{"assigned_to", "pc-bob"}}),
            update("c", t(4), t(1), {{"status", "triaged"}}),
            update("a", t(5), t(1), {{"description", "from a"}}),
            update("b", t(6), t(1), {{"assigned_to", "pc-bill"}}), // b again, not having pulled
            update("c", t(7), t(5), {{"description", "from c, having seen a's"}}),
        };
        MergeState result;
        QVERIFY(sameInEveryOrder(start, changes, result));
        // ... and the state is the right one.
        COMPARE_FIELDS(result.fields["status"], Fields("triaged"));
        COMPARE_FIELDS(result.fields["description"], Fields("from c, having seen a's"));
        QVERIFY(!result.conflicts.count("description"));
        COMPARE_FIELDS(result.fields["assigned_to"], Fields("pc-bill"));
        QCOMPARE(conflictValues(result, "assigned_to"), (Strings{"pc-ann", "pc-bill"}));
        QCOMPARE(result.version, t(7));
    }

    void theCreateMayArriveInAnyOrderToo()
    {
        std::vector<SyncChange> changes{
            create("a", t(1), baseRecord()),
            update("a", t(2), t(1), {{"status", "triaged"}}),
            update("b", t(3), t(2), {{"status", "assigned"}, {"assigned_to", "pc-bob"}}),
            update("c", t(4), t(1), {{"assigned_to", "pc-cat"}}),
            update("c", t(5), t(1), {{"description", "more detail"}}),
        };
        MergeState result;
        QVERIFY(sameInEveryOrder(MergeState{}, changes, result));
        COMPARE_FIELDS(result.fields["status"], Fields("assigned"));
        QCOMPARE(conflictValues(result, "assigned_to"), (Strings{"pc-bob", "pc-cat"}));
        COMPARE_FIELDS(result.fields["close_reason"], Fields(nullptr));
        COMPARE_FIELDS(result.fields["description"], Fields("more detail"));
    }

    void threeWayConflictInEveryOrder()
    {
        const MergeState start = apply({}, create("a", t(1), baseRecord()));
        const std::vector<SyncChange> changes{
            update("a", t(2), t(1), {{"close_reason", "x"}}),
            update("b", t(3), t(1), {{"close_reason", "x"}}),
            update("c", t(4), t(1), {{"close_reason", "y"}}),
            update("b", t(5), t(1), {{"status", "closed"}}),
        };
        MergeState result;
        QVERIFY(sameInEveryOrder(start, changes, result));
        QCOMPARE(conflictValues(result, "close_reason"), (Strings{"x", "y"}));
        COMPARE_FIELDS(result.fields["close_reason"], Fields("y"));
        COMPARE_FIELDS(result.fields["status"], Fields("closed"));
    }

    void aSupervisorsResolutionHoldsInEveryOrder()
    {
        const MergeState start = apply({}, create("a", t(1), baseRecord()));
        const std::vector<SyncChange> changes{
            update("b", t(2), t(1), {{"assigned_to", "pc-bob"}}),
            update("c", t(3), t(1), {{"assigned_to", "pc-cat"}}),
            update("sup", t(4), t(3), {{"assigned_to", "pc-cat"}}),
        };
        MergeState result;
        QVERIFY(sameInEveryOrder(start, changes, result));
        QVERIFY(result.conflicts.empty());
        COMPARE_FIELDS(result.fields["assigned_to"], Fields("pc-cat"));
    }

    void aChangeWithNoFieldsOnlyMovesTheVersion()
    {
        const MergeState s = apply({}, create("a", t(1), baseRecord()));
        const auto outcome = mergeChange(s, update("b", t(2), t(1), Fields::object()));
        QVERIFY(outcome.changedFields.empty());
        QCOMPARE(outcome.merged.version, t(2));
        COMPARE_FIELDS(outcome.merged.fields, s.fields);
    }
};

QTEST_GUILESS_MAIN(TestRecordMerge)
#include "tst_recordmerge.moc"
