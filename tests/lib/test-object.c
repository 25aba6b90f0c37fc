/* test-object.c: records, objects, notifications
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>
#include "xapi-classes.h"
#include "xapi-marshal.h"
#include "xapi-json.h"

static const char VM_RECORD[] =
  "{\"uuid\":\"11111111-2222-3333-4444-555555555555\","
  "\"name_label\":\"web \\u00e9\\\"1\\\"\","
  "\"power_state\":\"Running\","
  "\"VCPUs_max\":8,"
  "\"memory_static_max\":9007199254740993,"
  "\"memory_dynamic_max\":\"17179869184\","
  "\"HVM_shadow_multiplier\":1.5,"
  "\"is_a_template\":false,"
  "\"snapshot_time\":\"20240420T12:00:00Z\","
  "\"allowed_operations\":[\"clean_shutdown\",\"hard_reboot\",\"teleport\"],"
  "\"other_config\":{\"a\":\"1\",\"b\":\"two\",\"n\":3},"
  "\"resident_on\":\"OpaqueRef:host1\","
  "\"brand_new_field\":{\"x\":[1,2,{\"y\":null}]},"
  "\"domain_type\":\"hvm\"}";

typedef struct {
  GPtrArray *names;
} NotifyLog;

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           gpointer    user_data)
{
  NotifyLog *log = user_data;

  g_ptr_array_add (log->names, g_strdup (pspec->name));
}

static XapiRecord *
parse (const XapiClassInfo *info,
       const char          *json)
{
  g_autoptr(XapiJsonReader) r = xapi_json_reader_new (json, -1);
  g_autoptr(GError) error = NULL;
  XapiRecord *rec = xapi_record_parse (info, r, &error);

  g_assert_no_error (error);
  g_assert_nonnull (rec);
  return rec;
}

static XapiObject *
make (const char *class_name,
      const char *ref,
      const char *json)
{
  const XapiClassInfo *info = xapi_class_info_lookup (class_name);
  g_autoptr(XapiRecord) rec = parse (info, json);

  return xapi_record_instantiate (rec, NULL, class_name, ref);
}

static void
test_vm_record (void)
{
  XapiObject *obj = make ("VM", "OpaqueRef:vm1", VM_RECORD);
  XapiVm *vm = XAPI_VM (obj);
  GHashTable *oc, *extra;
  const char * const *ops;
  g_autofree char *raw = NULL;
  g_autofree char *dt_text = NULL;
  g_autofree char *label = NULL;
  XapiVmPowerState ps;

  g_assert_true (XAPI_IS_VM (obj));
  g_assert_cmpstr (xapi_object_get_ref (obj), ==, "OpaqueRef:vm1");
  g_assert_cmpstr (xapi_object_get_class_name (obj), ==, "VM");
  g_assert_cmpstr (xapi_object_get_uuid (obj), ==, "11111111-2222-3333-4444-555555555555");
  g_assert_cmpstr (xapi_vm_get_uuid (vm), ==, "11111111-2222-3333-4444-555555555555");
  g_assert_cmpstr (xapi_vm_get_name_label (vm), ==, "web \xc3\xa9\"1\"");
  g_assert_cmpint (xapi_vm_get_power_state (vm), ==, XAPI_VM_POWER_STATE_RUNNING);
  g_assert_cmpint (xapi_vm_get_vcpus_max (vm), ==, 8);
  g_assert_cmpint (xapi_vm_get_memory_static_max (vm), ==, G_GINT64_CONSTANT (9007199254740993));
  g_assert_cmpint (xapi_vm_get_memory_dynamic_max (vm), ==, G_GINT64_CONSTANT (17179869184));
  g_assert_cmpfloat (xapi_vm_get_hvm_shadow_multiplier (vm), ==, 1.5);
  g_assert_false (xapi_vm_get_is_a_template (vm));
  g_assert_cmpstr (xapi_vm_get_resident_on (vm), ==, "OpaqueRef:host1");
  g_assert_cmpint (xapi_vm_get_domain_type (vm), ==, XAPI_DOMAIN_TYPE_HVM);
  dt_text = xapi_marshal_format_datetime (xapi_vm_get_snapshot_time (vm));
  g_assert_cmpstr (dt_text, ==, "20240420T12:00:00Z");

  ops = xapi_vm_get_allowed_operations (vm);
  g_assert_cmpuint (g_strv_length ((char **) ops), ==, 3);
  g_assert_cmpstr (ops[2], ==, "teleport");   /* newer than our enum: still kept */
  oc = xapi_vm_get_other_config (vm);
  g_assert_cmpuint (g_hash_table_size (oc), ==, 3);
  g_assert_cmpstr (g_hash_table_lookup (oc, "b"), ==, "two");
  g_assert_cmpstr (g_hash_table_lookup (oc, "n"), ==, "3");
  /* absent fields: empty, never NULL */
  g_assert_nonnull (xapi_vm_get_blocked_operations (vm));
  g_assert_cmpuint (g_hash_table_size (xapi_vm_get_blocked_operations (vm)), ==, 0);
  g_assert_nonnull (xapi_vm_get_tags (vm));
  g_assert_null (xapi_vm_get_tags (vm)[0]);

  extra = xapi_object_get_extra_fields (obj);
  g_assert_nonnull (extra);
  g_assert_cmpstr (g_hash_table_lookup (extra, "brand_new_field"), ==, "{\"x\":[1,2,{\"y\":null}]}");
  raw = xapi_object_dup_field_json (obj, "brand_new_field");
  g_assert_cmpstr (raw, ==, "{\"x\":[1,2,{\"y\":null}]}");
  g_clear_pointer (&raw, g_free);
  raw = xapi_object_dup_field_json (obj, "power_state");
  g_assert_cmpstr (raw, ==, "\"Running\"");

  /* GObject properties */
  g_object_get (obj, "power-state", &ps, "name-label", &label, NULL);
  g_assert_cmpint (ps, ==, XAPI_VM_POWER_STATE_RUNNING);
  g_assert_cmpstr (label, ==, xapi_vm_get_name_label (vm));
  g_assert_nonnull (xapi_object_find_field (obj, "VCPUs_max"));
  g_assert_null (xapi_object_find_field (obj, "no_such"));

  g_assert_finalize_object (obj);
}

static void
test_notify (void)
{
  XapiObject *obj = make ("VM", "OpaqueRef:vm1", VM_RECORD);
  NotifyLog log = { g_ptr_array_new_with_free_func (g_free) };
  g_autoptr(XapiRecord) same = parse (xapi_class_info_lookup ("VM"), VM_RECORD);
  g_autoptr(XapiRecord) one = NULL;
  g_autoptr(XapiRecord) partial = NULL;
  g_autoptr(GString) changed = g_string_new (VM_RECORD);
  guint n;

  g_signal_connect (obj, "notify", G_CALLBACK (on_notify), &log);

  /* same record: nothing */
  n = xapi_object_apply_record (obj, same);
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpuint (log.names->len, ==, 0);
  n = xapi_object_apply_record (obj, same);
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpuint (log.names->len, ==, 0);

  /* exactly one field differs */
  g_string_replace (changed, "\"Running\"", "\"Halted\"", 1);
  one = parse (xapi_class_info_lookup ("VM"), changed->str);
  n = xapi_object_apply_record (obj, one);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (log.names->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (log.names, 0), ==, "power-state");
  g_assert_cmpint (xapi_vm_get_power_state (XAPI_VM (obj)), ==, XAPI_VM_POWER_STATE_HALTED);

  /* applying it again: nothing */
  n = xapi_object_apply_record (obj, one);
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpuint (log.names->len, ==, 1);

  /* a partial record: absent fields are left alone; map and strv compared by content */
  partial = parse (xapi_class_info_lookup ("VM"),
                   "{\"other_config\":{\"n\":\"3\",\"b\":\"two\",\"a\":\"1\"},"
                   "\"allowed_operations\":[\"clean_shutdown\",\"hard_reboot\"],"
                   "\"uuid\":\"11111111-2222-3333-4444-555555555555\"}");
  n = xapi_object_apply_record (obj, partial);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (log.names->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (log.names, 1), ==, "allowed-operations");
  g_assert_cmpstr (xapi_vm_get_name_label (XAPI_VM (obj)), ==, "web \xc3\xa9\"1\"");

  /* uuid is notified through the base class property */
  g_clear_pointer (&partial, xapi_record_free);
  partial = parse (xapi_class_info_lookup ("VM"), "{\"uuid\":\"u2\"}");
  n = xapi_object_apply_record (obj, partial);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (log.names, 2), ==, "uuid");
  g_assert_cmpstr (xapi_object_get_uuid (obj), ==, "u2");

  /* gone */
  _xapi_object_set_gone (obj);
  _xapi_object_set_gone (obj);
  g_assert_true (xapi_object_is_gone (obj));
  g_assert_cmpuint (log.names->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (log.names, 3), ==, "gone");

  g_signal_handlers_disconnect_by_data (obj, &log);
  g_ptr_array_unref (log.names);
  g_assert_finalize_object (obj);
}

static void
test_unknown_class (void)
{
  XapiObject *obj;
  g_autoptr(XapiRecord) rec = NULL;
  g_autoptr(XapiRecord) rec2 = NULL;
  g_autofree char *raw = NULL;
  guint n;

  g_assert_null (xapi_class_info_lookup ("Flux_capacitor"));
  rec = parse (NULL, "{\"uuid\":\"abc\",\"power\":1.21e9,\"on\":true}");
  g_assert_cmpuint (xapi_record_get_n_values (rec), ==, 3);
  obj = xapi_record_instantiate (rec, NULL, "Flux_capacitor", "OpaqueRef:fc");
  g_assert_true (XAPI_IS_UNKNOWN_OBJECT (obj));
  g_assert_cmpstr (xapi_object_get_class_name (obj), ==, "Flux_capacitor");
  g_assert_cmpstr (xapi_object_get_uuid (obj), ==, "abc");
  g_assert_null (xapi_object_get_class_info (obj));
  raw = xapi_object_dup_field_json (obj, "on");
  g_assert_cmpstr (raw, ==, "true");

  rec2 = parse (NULL, "{\"uuid\":\"abc\",\"power\":1.21e9,\"on\":false}");
  n = xapi_object_apply_record (obj, rec2);
  g_assert_cmpuint (n, ==, 1);
  g_assert_finalize_object (obj);
}

static void
test_wrong_types (void)
{
  XapiObject *obj = make ("VM", "OpaqueRef:vm1", VM_RECORD);
  XapiVm *vm = XAPI_VM (obj);
  g_autoptr(XapiRecord) bad = NULL;
  GHashTable *extra;

  bad = parse (xapi_class_info_lookup ("VM"),
               "{\"VCPUs_max\":\"many\",\"name_label\":42,\"power_state\":5,"
               "\"other_config\":[1],\"allowed_operations\":{\"a\":1},\"is_a_template\":\"yes\","
               "\"snapshot_time\":17,\"HVM_shadow_multiplier\":\"x\",\"resident_on\":null,"
               "\"memory_static_max\":1.5}");
  xapi_object_apply_record (obj, bad);
  g_assert_cmpint (xapi_vm_get_vcpus_max (vm), ==, 8);
  g_assert_cmpstr (xapi_vm_get_name_label (vm), ==, "web \xc3\xa9\"1\"");
  g_assert_cmpint (xapi_vm_get_power_state (vm), ==, XAPI_VM_POWER_STATE_RUNNING);
  g_assert_cmpuint (g_hash_table_size (xapi_vm_get_other_config (vm)), ==, 3);
  g_assert_cmpuint (g_strv_length ((char **) xapi_vm_get_allowed_operations (vm)), ==, 3);
  g_assert_cmpstr (xapi_vm_get_resident_on (vm), ==, "OpaqueRef:host1");
  g_assert_cmpint (xapi_vm_get_memory_static_max (vm), ==, G_GINT64_CONSTANT (9007199254740993));
  extra = xapi_object_get_extra_fields (obj);
  g_assert_cmpstr (g_hash_table_lookup (extra, "VCPUs_max"), ==, "\"many\"");
  g_assert_cmpstr (g_hash_table_lookup (extra, "name_label"), ==, "42");
  g_assert_cmpstr (g_hash_table_lookup (extra, "resident_on"), ==, "null");

  /* syntax errors fail the record */
  {
    g_autoptr(XapiJsonReader) r = xapi_json_reader_new ("{\"name_label\":\"x\",", -1);
    g_autoptr(GError) error = NULL;
    XapiRecord *rec = xapi_record_parse (xapi_class_info_lookup ("VM"), r, &error);

    g_assert_null (rec);
    g_assert_nonnull (error);
  }
  {
    g_autoptr(XapiJsonReader) r = xapi_json_reader_new ("[1,2]", -1);
    g_autoptr(GError) error = NULL;
    XapiRecord *rec = xapi_record_parse (xapi_class_info_lookup ("VM"), r, &error);

    g_assert_null (rec);
    g_assert_nonnull (error);
  }
  g_assert_finalize_object (obj);
}

static void
test_nan (void)
{
  XapiObject *obj = make ("VM", "OpaqueRef:vm", "{\"HVM_shadow_multiplier\":NaN}");
  g_autoptr(XapiRecord) again = parse (xapi_class_info_lookup ("VM"), "{\"HVM_shadow_multiplier\":NaN}");
  g_autoptr(XapiRecord) inf = parse (xapi_class_info_lookup ("VM"), "{\"HVM_shadow_multiplier\":-Infinity}");
  g_autofree char *raw = NULL;

  g_assert_true (isnan (xapi_vm_get_hvm_shadow_multiplier (XAPI_VM (obj))));
  g_assert_cmpuint (xapi_object_apply_record (obj, again), ==, 0);
  g_assert_cmpuint (xapi_object_apply_record (obj, inf), ==, 1);
  g_assert_true (isinf (xapi_vm_get_hvm_shadow_multiplier (XAPI_VM (obj))));
  raw = xapi_object_dup_field_json (obj, "HVM_shadow_multiplier");
  g_assert_cmpstr (raw, ==, "-Infinity");
  g_assert_finalize_object (obj);
}

static void
test_int64 (void)
{
  XapiObject *obj = make ("VM", "OpaqueRef:vm",
                          "{\"memory_static_max\":9223372036854775807,"
                          "\"memory_static_min\":-9223372036854775808,"
                          "\"memory_dynamic_min\":\" 9007199254740993\","
                          "\"memory_target\":\"-5\"}");
  XapiVm *vm = XAPI_VM (obj);
  gint64 v;

  g_assert_cmpint (xapi_vm_get_memory_static_max (vm), ==, G_MAXINT64);
  g_assert_cmpint (xapi_vm_get_memory_static_min (vm), ==, G_MININT64);
  g_assert_cmpint (xapi_vm_get_memory_dynamic_min (vm), ==, G_GINT64_CONSTANT (9007199254740993));
  g_assert_cmpint (xapi_vm_get_memory_target (vm), ==, -5);

  g_assert_true (xapi_marshal_parse_int64 ("18446744073709551615", 20, &v) == FALSE);
  g_assert_true (xapi_marshal_parse_int64 ("9223372036854775808", 19, &v) == FALSE);
  g_assert_true (xapi_marshal_parse_int64 ("12a", 3, &v) == FALSE);
  g_assert_true (xapi_marshal_parse_int64 ("", 0, &v) == FALSE);
  g_assert_true (xapi_marshal_parse_int64 ("-0", 2, &v) && v == 0);
  g_assert_finalize_object (obj);
}

static void
test_enums (void)
{
  XapiObject *obj = make ("VM", "OpaqueRef:vm", "{\"power_state\":\"running\"}");
  g_autoptr(XapiRecord) odd = parse (xapi_class_info_lookup ("VM"), "{\"power_state\":\"Exploded\"}");
  g_autoptr(XapiRecord) back = parse (xapi_class_info_lookup ("VM"), "{\"power_state\":\"Paused\"}");
  g_autofree char *raw = NULL;
  GHashTable *extra;

  g_assert_cmpint (xapi_vm_get_power_state (XAPI_VM (obj)), ==, XAPI_VM_POWER_STATE_RUNNING);
  g_assert_cmpuint (xapi_object_apply_record (obj, odd), ==, 1);
  g_assert_cmpint (xapi_vm_get_power_state (XAPI_VM (obj)), ==, XAPI_VM_POWER_STATE_UNRECOGNISED);
  extra = xapi_object_get_extra_fields (obj);
  g_assert_cmpstr (g_hash_table_lookup (extra, "power_state"), ==, "\"Exploded\"");
  raw = xapi_object_dup_field_json (obj, "power_state");
  g_assert_cmpstr (raw, ==, "\"Exploded\"");
  g_clear_pointer (&raw, g_free);

  g_assert_cmpuint (xapi_object_apply_record (obj, back), ==, 1);
  g_assert_false (g_hash_table_contains (extra, "power_state"));
  raw = xapi_object_dup_field_json (obj, "power_state");
  g_assert_cmpstr (raw, ==, "\"Paused\"");

  g_assert_cmpint (xapi_marshal_enum_from_nick (XAPI_TYPE_VM_POWER_STATE, "Halted"), ==, XAPI_VM_POWER_STATE_HALTED);
  g_assert_cmpint (xapi_marshal_enum_from_nick (XAPI_TYPE_VM_POWER_STATE, "HALTED"), ==, XAPI_VM_POWER_STATE_HALTED);
  g_assert_cmpint (xapi_marshal_enum_from_nick (XAPI_TYPE_VM_POWER_STATE, "(unrecognised)"), ==, 0);
  g_assert_cmpstr (xapi_marshal_enum_to_nick (XAPI_TYPE_BOND_MODE, XAPI_BOND_MODE_BALANCE_SLB), ==, "balance-slb");
  g_assert_null (xapi_marshal_enum_to_nick (XAPI_TYPE_BOND_MODE, 0));
  g_assert_finalize_object (obj);
}

static void
check_dt (const char *text,
          const char *expected)
{
  g_autoptr(GDateTime) dt = xapi_marshal_parse_datetime (text, -1);
  g_autofree char *s = NULL;

  if (expected == NULL)
    {
      g_assert_null (dt);
      return;
    }
  g_assert_nonnull (dt);
  s = xapi_marshal_format_datetime (dt);
  g_assert_cmpstr (s, ==, expected);
}

static void
test_datetimes (void)
{
  XapiObject *obj;
  g_autoptr(GDateTime) frac = NULL;

  check_dt ("20240420T12:00:00Z", "20240420T12:00:00Z");
  check_dt ("2024-04-20T12:00:00Z", "20240420T12:00:00Z");
  check_dt ("20240420T12:00:00", "20240420T12:00:00Z");
  check_dt ("2024-04-20T12:00:00.123456Z", "20240420T12:00:00Z");
  check_dt ("2024-04-20T14:30:00+02:00", "20240420T12:30:00Z");
  check_dt ("2024-04-20T10:00:00-0230", "20240420T12:30:00Z");
  check_dt ("19700101T00:00:00Z", "19700101T00:00:00Z");
  check_dt ("20240420", "20240420T00:00:00Z");
  check_dt ("", NULL);
  check_dt ("2024-13-01T00:00:00Z", NULL);
  check_dt ("yesterday", NULL);
  check_dt ("20240420T12:00:00Zjunk", NULL);

  frac = xapi_marshal_parse_datetime ("2024-04-20T12:00:00.5Z", -1);
  g_assert_cmpint (g_date_time_get_microsecond (frac), ==, 500000);

  obj = make ("VM", "OpaqueRef:vm", "{\"snapshot_time\":\"not a date\"}");
  g_assert_null (xapi_vm_get_snapshot_time (XAPI_VM (obj)));
  g_assert_cmpstr (g_hash_table_lookup (xapi_object_get_extra_fields (obj), "snapshot_time"), ==, "\"not a date\"");
  g_assert_finalize_object (obj);
}

/* ---- real captures (skipped when ../shared is absent) ----------------------- */

static char *
shared_path (const char *name)
{
  const char *dir = g_getenv ("XENPOOLS_SHARED_DIR");

  return g_build_filename (dir ? dir : "../shared", "realdata", name, NULL);
}

static guint
load_all_records (const XapiClassInfo *info,
                  JsonObject          *records,
                  GPtrArray           *out)
{
  JsonObjectIter it;
  const char *ref;
  JsonNode *node;

  json_object_iter_init (&it, records);
  while (json_object_iter_next (&it, &ref, &node))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(XapiRecord) rec = xapi_record_parse_node (info, node, &error);

      g_assert_no_error (error);
      g_ptr_array_add (out, xapi_record_instantiate (rec, NULL, info->wire_name, ref));
    }
  return out->len;
}

static void
test_realdata_xs8 (void)
{
  g_autofree char *path = shared_path ("xenapi_spec_VM.get_all_records_xs8.json");
  g_autofree char *data = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) objs = g_ptr_array_new_with_free_func (g_object_unref);
  JsonObject *o;
  gsize len;

  if (!g_file_get_contents (path, &data, &len, NULL))
    {
      g_test_skip ("real data not available (../shared/realdata)");
      return;
    }
  root = xapi_json_parse (data, len, NULL);
  g_assert_nonnull (root);
  o = json_node_get_object (root);
  o = json_object_get_object_member (o, "xapi-24/vm_get_all_records_02");
  o = json_object_get_object_member (o, "expected_result");
  o = json_object_get_object_member (o, "VM.get_all_records");
  o = json_object_get_object_member (o, "result");
  g_assert_cmpuint (load_all_records (xapi_class_info_lookup ("VM"), o, objs), >, 0);
  for (guint i = 0; i < objs->len; i++)
    {
      XapiVm *vm = g_ptr_array_index (objs, i);

      g_assert_nonnull (xapi_vm_get_uuid (vm));
      if (!g_str_equal (xapi_object_get_ref (XAPI_OBJECT (vm)), "OpaqueRef:6ef08bce-0bf0-30ff-804f-5f0ee4bbdd13"))
        continue;
      g_assert_cmpstr (xapi_vm_get_uuid (vm), ==, "c5db1298-3e97-53bb-4f97-bd039ca8c217");
      g_assert_cmpint (xapi_vm_get_power_state (vm), ==, XAPI_VM_POWER_STATE_RUNNING);
      g_assert_cmpint (xapi_vm_get_domain_type (vm), ==, XAPI_DOMAIN_TYPE_HVM);
      g_assert_cmpstr (g_hash_table_lookup (xapi_vm_get_hvm_boot_params (vm), "firmware"), ==, "uefi");
      g_assert_cmpuint (g_hash_table_size (xapi_vm_get_nvram (vm)), >, 0);
    }
}

static void
test_realdata_xs72 (void)
{
  g_autofree char *path = shared_path ("ansible_vm2_records_xs7.2.json");
  g_autofree char *data = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObjectIter it;
  const char *cls;
  JsonNode *node;
  gsize len;
  guint total = 0;

  if (!g_file_get_contents (path, &data, &len, NULL))
    {
      g_test_skip ("real data not available (../shared/realdata)");
      return;
    }
  root = xapi_json_parse (data, len, NULL);
  g_assert_nonnull (root);
  json_object_iter_init (&it, json_node_get_object (root));
  while (json_object_iter_next (&it, &cls, &node))
    {
      const XapiClassInfo *info = xapi_class_info_lookup (cls);
      g_autoptr(GPtrArray) objs = g_ptr_array_new_with_free_func (g_object_unref);

      g_assert_nonnull (info);
      total += load_all_records (info, json_node_get_object (node), objs);
      for (guint i = 0; i < objs->len; i++)
        {
          XapiObject *obj = g_ptr_array_index (objs, i);
          GHashTable *extra = xapi_object_get_extra_fields (obj);

          g_assert_nonnull (xapi_object_get_uuid (obj));
          /* every field of a 7.2 record is known to the datamodel */
          if (extra)
            {
              GHashTableIter hi;
              gpointer k;

              g_hash_table_iter_init (&hi, extra);
              while (g_hash_table_iter_next (&hi, &k, NULL))
                g_test_message ("%s: extra field %s", cls, (char *) k);
            }
        }
    }
  g_assert_cmpuint (total, >, 0);
}

/* ---- throughput ---------------------------------------------------------------- */

static void
test_parse_speed (void)
{
  GString *json = g_string_new ("[");
  g_autoptr(XapiJsonReader) r = NULL;
  const XapiClassInfo *info = xapi_class_info_lookup ("VM");
  gint64 t0, t1;
  guint n = 0;
  g_autoptr(GPtrArray) recs = g_ptr_array_new_with_free_func ((GDestroyNotify) xapi_record_free);

  for (guint i = 0; i < 5000; i++)
    g_string_append_printf (json,
      "%s{\"uuid\":\"%08u-2222-3333-4444-555555555555\",\"allowed_operations\":[\"changing_dynamic_range\","
      "\"changing_shadow_memory\",\"hard_reboot\",\"clean_reboot\",\"pause\",\"suspend\",\"clean_shutdown\","
      "\"checkpoint\",\"snapshot\",\"hard_shutdown\"],\"current_operations\":{},\"name_label\":\"vm-%u\","
      "\"name_description\":\"a test VM\",\"power_state\":\"Running\",\"user_version\":1,\"is_a_template\":false,"
      "\"is_default_template\":false,\"suspend_VDI\":\"OpaqueRef:NULL\",\"resident_on\":\"OpaqueRef:h%u\","
      "\"affinity\":\"OpaqueRef:NULL\",\"memory_overhead\":11534336,\"memory_target\":0,"
      "\"memory_static_max\":4294967296,\"memory_dynamic_max\":4294967296,\"memory_dynamic_min\":4294967296,"
      "\"memory_static_min\":1073741824,\"VCPUs_params\":{\"weight\":\"256\"},\"VCPUs_max\":2,"
      "\"VCPUs_at_startup\":2,\"actions_after_shutdown\":\"destroy\",\"actions_after_reboot\":\"restart\","
      "\"actions_after_crash\":\"restart\",\"consoles\":[\"OpaqueRef:c%u\"],\"VIFs\":[\"OpaqueRef:v%u\"],"
      "\"VBDs\":[\"OpaqueRef:b%u\",\"OpaqueRef:d%u\"],\"VUSBs\":[],\"crash_dumps\":[],\"VTPMs\":[],"
      "\"PV_bootloader\":\"\",\"PV_kernel\":\"\",\"PV_ramdisk\":\"\",\"PV_args\":\"\",\"PV_bootloader_args\":\"\","
      "\"PV_legacy_args\":\"\",\"HVM_boot_policy\":\"BIOS order\",\"HVM_boot_params\":{\"order\":\"cd\","
      "\"firmware\":\"bios\"},\"HVM_shadow_multiplier\":1.0,\"platform\":{\"timeoffset\":\"0\",\"device-model\":"
      "\"qemu-upstream-compat\",\"videoram\":\"8\",\"hpet\":\"true\",\"secureboot\":\"false\",\"vga\":\"std\","
      "\"apic\":\"true\",\"viridian\":\"true\",\"nx\":\"true\",\"pae\":\"true\",\"acpi\":\"1\"},"
      "\"PCI_bus\":\"\",\"other_config\":{\"base_template_name\":\"Debian Bookworm 12\",\"import_task\":"
      "\"OpaqueRef:NULL\",\"mac_seed\":\"6c4b7e1c-1b0e-5b1c-8a39-%012u\",\"install-methods\":\"cdrom,nfs,http,ftp\","
      "\"linux_template\":\"true\"},\"domid\":%u,\"domarch\":\"x64\",\"last_boot_CPU_flags\":{\"vendor\":"
      "\"GenuineIntel\",\"features\":\"1fcbfbff-f7fa3223-2d93fbff-00000123\"},\"is_control_domain\":false,"
      "\"metrics\":\"OpaqueRef:m%u\",\"guest_metrics\":\"OpaqueRef:g%u\",\"last_booted_record\":\"\","
      "\"recommendations\":\"<restrictions><restriction field=\\\"memory-static-max\\\" max=\\\"1649267441664\\\"/>"
      "</restrictions>\",\"xenstore_data\":{\"vm-data\":\"\",\"vm-data/mmio-hole-size\":\"268435456\"},"
      "\"ha_always_run\":false,\"ha_restart_priority\":\"\",\"is_a_snapshot\":false,\"snapshot_of\":"
      "\"OpaqueRef:NULL\",\"snapshots\":[],\"snapshot_time\":\"19700101T00:00:00Z\",\"transportable_snapshot_id\":"
      "\"\",\"blobs\":{},\"tags\":[\"web\",\"prod\"],\"blocked_operations\":{},\"snapshot_info\":{},"
      "\"snapshot_metadata\":\"\",\"parent\":\"OpaqueRef:NULL\",\"children\":[],\"bios_strings\":{\"bios-vendor\":"
      "\"Xen\",\"system-manufacturer\":\"Xen\"},\"protection_policy\":\"OpaqueRef:NULL\",\"is_snapshot_from_vmpp\":"
      "false,\"snapshot_schedule\":\"OpaqueRef:NULL\",\"is_vmss_snapshot\":false,\"appliance\":\"OpaqueRef:NULL\","
      "\"start_delay\":0,\"shutdown_delay\":0,\"order\":0,\"VGPUs\":[],\"attached_PCIs\":[],\"suspend_SR\":"
      "\"OpaqueRef:NULL\",\"version\":0,\"generation_id\":\"0:0\",\"hardware_platform_version\":0,"
      "\"has_vendor_device\":false,\"requires_reboot\":false,\"reference_label\":\"debian-12\",\"domain_type\":"
      "\"hvm\",\"NVRAM\":{},\"pending_guidances\":[]}",
      i ? "," : "", i, i, i % 16, i, i, i, i, i, i + 1, i, i);
  g_string_append_c (json, ']');

  r = xapi_json_reader_new (json->str, json->len);
  t0 = g_get_monotonic_time ();
  g_assert_true (xapi_json_reader_begin_array (r));
  while (xapi_json_reader_next_element (r))
    {
      g_autoptr(GError) error = NULL;
      XapiRecord *rec = xapi_record_parse (info, r, &error);

      g_assert_no_error (error);
      g_ptr_array_add (recs, rec);
      n++;
    }
  t1 = g_get_monotonic_time ();
  g_assert_false (xapi_json_reader_failed (r, NULL));
  g_assert_cmpuint (n, ==, 5000);
  {
    XapiObject *last = xapi_record_instantiate (recs->pdata[4999], NULL, "VM", "OpaqueRef:last");

    g_assert_cmpstr (xapi_vm_get_name_label (XAPI_VM (last)), ==, "vm-4999");
    g_assert_cmpuint (g_hash_table_size (xapi_vm_get_platform (XAPI_VM (last))), ==, 11);
    g_assert_null (xapi_object_get_extra_fields (last));
    g_assert_finalize_object (last);
  }
  g_test_message ("parsed %u VM records, %.1f MB in %.1f ms: %.0f MB/s",
                  n, json->len / 1e6, (t1 - t0) / 1e3, json->len / (double) MAX (t1 - t0, 1));
  g_print ("# record parse: %.1f MB in %.1f ms = %.0f MB/s\n",
           json->len / 1e6, (t1 - t0) / 1e3, json->len / (double) MAX (t1 - t0, 1));
  g_string_free (json, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/object/vm-record", test_vm_record);
  g_test_add_func ("/object/notify", test_notify);
  g_test_add_func ("/object/unknown-class", test_unknown_class);
  g_test_add_func ("/object/wrong-types", test_wrong_types);
  g_test_add_func ("/object/nan", test_nan);
  g_test_add_func ("/object/int64", test_int64);
  g_test_add_func ("/object/enums", test_enums);
  g_test_add_func ("/object/datetimes", test_datetimes);
  g_test_add_func ("/object/realdata-xs8", test_realdata_xs8);
  g_test_add_func ("/object/realdata-xs7.2", test_realdata_xs72);
  g_test_add_func ("/object/parse-speed", test_parse_speed);

  return g_test_run ();
}
