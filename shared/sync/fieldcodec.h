#pragma once

#include "core/result.h"
#include "store/writetxn.h"
#include "sync/proto/sync.pb.h"

#include <google/protobuf/repeated_ptr_field.h>

namespace beatbook {

using ProtoFields = google::protobuf::RepeatedPtrField<beatbook::sync::v1::Field>;

// Column values between the store's Fields (JSON-like, as the outbox keeps
// them) and the protocol's typed fields. Only null, integers, reals and text
// cross: the store holds nothing else.
Status fieldsToProto(const Fields &fields, ProtoFields &out);
// Refused when a field has no value, a name repeats, or a real is not finite.
Result<Fields> fieldsFromProto(const ProtoFields &fields);

Status valueToProto(const Fields &value, beatbook::sync::v1::Value &out);
Result<Fields> valueFromProto(const beatbook::sync::v1::Value &value);

} // namespace beatbook
