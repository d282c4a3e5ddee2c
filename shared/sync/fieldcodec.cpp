#include "sync/fieldcodec.h"

#include <cmath>

namespace beatbook {

Status valueToProto(const Fields &value, beatbook::sync::v1::Value &out)
{
    if (value.is_null())
        out.set_null_value(true);
    else if (value.is_boolean())
        out.set_int_value(value.get<bool>() ? 1 : 0);
    else if (value.is_number_integer())
        out.set_int_value(value.get<std::int64_t>());
    else if (value.is_number_float())
        out.set_real_value(value.get<double>());
    else if (value.is_string())
        out.set_text_value(value.get_ref<const std::string &>());
    else
        return Error::invalid("a field must be text, a number or null");
    return {};
}

Result<Fields> valueFromProto(const beatbook::sync::v1::Value &value)
{
    using Kind = beatbook::sync::v1::Value::KindCase;
    switch (value.kind_case()) {
    case Kind::kNullValue:
        return Fields(nullptr);
    case Kind::kIntValue:
        return Fields(static_cast<std::int64_t>(value.int_value()));
    case Kind::kRealValue:
        if (!std::isfinite(value.real_value()))
            return Error::invalid("a number field is not finite");
        return Fields(value.real_value());
    case Kind::kTextValue:
        return Fields(value.text_value());
    case Kind::KIND_NOT_SET:
        break;
    }
    return Error::invalid("a field has no value");
}

Status fieldsToProto(const Fields &fields, ProtoFields &out)
{
    if (!fields.is_object())
        return Error::invalid("fields must be an object");
    for (const auto &[name, value] : fields.items()) {
        auto *field = out.Add();
        field->set_name(name);
        if (auto ok = valueToProto(value, *field->mutable_value()); !ok)
            return Error::invalid("field " + name + ": " + ok.error().message);
    }
    return {};
}

Result<Fields> fieldsFromProto(const ProtoFields &fields)
{
    Fields out = Fields::object();
    for (const auto &field : fields) {
        if (field.name().empty())
            return Error::invalid("a field has no name");
        if (out.contains(field.name()))
            return Error::invalid("field " + field.name() + " appears twice");
        auto value = valueFromProto(field.value());
        if (!value)
            return Error::invalid("field " + field.name() + ": " + value.error().message);
        out[field.name()] = std::move(*value);
    }
    return out;
}

} // namespace beatbook
