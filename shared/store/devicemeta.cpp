#include "store/devicemeta.h"

#include "store/database.h"

namespace beatbook {

Status putDeviceMeta(Database &db, std::string_view key, std::string_view value)
{
    auto stmt = db.prepare("INSERT INTO device_meta (key, value) VALUES (?1, ?2) "
                           "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    if (!stmt)
        return stmt.error();
    return (*stmt)->bind(1, key).bind(2, value).run();
}

} // namespace beatbook
