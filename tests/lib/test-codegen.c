/* test-codegen.c: the generated classes, enums, registry and marshalling
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include "xapi-classes.h"
#include "xapi-marshal.h"
#include "xapi-json.h"

static char *
expected_property_name (const char *wire)
{
  char *n = g_ascii_strdown (wire, -1);

  g_strdelimit (n, "_", '-');
  if (g_str_equal (n, "ref") || g_str_equal (n, "class-name") || g_str_equal (n, "connection")
      || g_str_equal (n, "gone"))
    {
      char *t = g_strconcat (n, "-field", NULL);
      g_free (n);
      n = t;
    }
  return n;
}

static GType
expected_value_type (const XapiFieldInfo *f)
{
  switch (f->kind)
    {
    case XAPI_FIELD_STRING:
    case XAPI_FIELD_REF:
    case XAPI_FIELD_JSON:
      return G_TYPE_STRING;
    case XAPI_FIELD_INT:
      return G_TYPE_INT64;
    case XAPI_FIELD_FLOAT:
      return G_TYPE_DOUBLE;
    case XAPI_FIELD_BOOL:
      return G_TYPE_BOOLEAN;
    case XAPI_FIELD_DATETIME:
      return G_TYPE_DATE_TIME;
    case XAPI_FIELD_ENUM:
      return f->enum_get_type ();
    case XAPI_FIELD_STRV:
      return G_TYPE_STRV;
    case XAPI_FIELD_MAP:
      return G_TYPE_HASH_TABLE;
    default:
      g_assert_not_reached ();
    }
}

static void
test_registry (void)
{
  guint n = 0, n_fields = 0;
  const XapiClassInfo *const *all = xapi_class_info_all (&n);

  g_assert_cmpuint (n, >=, 60);
  for (guint i = 0; i < n; i++)
    {
      const XapiClassInfo *info = all[i];
      GType type = info->get_type ();
      g_autofree char *upper = g_ascii_strup (info->wire_name, -1);
      g_autoptr(GTypeClass) klass = g_type_class_ref (type);
      GObject *obj;

      g_assert_true (g_type_is_a (type, XAPI_TYPE_OBJECT));
      g_assert_true (G_TYPE_IS_FINAL (type));
      g_assert_true (xapi_class_info_lookup (info->wire_name) == info);
      g_assert_true (xapi_class_info_lookup (info->lower_name) == info);
      g_assert_true (xapi_class_info_lookup (upper) == info);
      g_assert_true (xapi_class_info_for_type (type) == info);

      for (guint j = 0; j < info->n_fields; j++)
        {
          const XapiFieldInfo *f = &info->fields[j];
          g_autofree char *pname = expected_property_name (f->wire_name);
          GParamSpec *pspec = g_object_class_find_property (G_OBJECT_CLASS (klass), pname);

          g_assert_nonnull (pspec);
          g_assert_true (xapi_class_info_find_field (info, f->wire_name) == f);
          if (g_str_equal (f->wire_name, "uuid"))
            g_assert_true (pspec->owner_type == XAPI_TYPE_OBJECT);
          else
            {
              g_assert_true (pspec->owner_type == type);
              g_assert_true (G_PARAM_SPEC_VALUE_TYPE (pspec) == expected_value_type (f));
              g_assert_false (pspec->flags & G_PARAM_WRITABLE);
            }
          g_assert_cmpuint (f->prop_id, ==, j + 1);
          n_fields++;
        }

      /* an empty object of every class: every property readable, sane defaults */
      obj = g_object_new (type, "ref", "OpaqueRef:x", NULL);
      for (guint j = 0; j < info->n_fields; j++)
        {
          g_autofree char *pname = expected_property_name (info->fields[j].wire_name);
          g_auto(GValue) v = G_VALUE_INIT;

          g_object_get_property (obj, pname, &v);
          if (info->fields[j].kind == XAPI_FIELD_STRV)
            g_assert_nonnull (g_value_get_boxed (&v));
          if (info->fields[j].kind == XAPI_FIELD_MAP)
            g_assert_nonnull (g_value_get_boxed (&v));
        }
      g_assert_cmpstr (xapi_object_get_class_name (XAPI_OBJECT (obj)), ==, info->wire_name);
      g_assert_finalize_object (obj);
    }
  g_assert_null (xapi_class_info_lookup ("no_such_class"));
  g_assert_null (xapi_class_info_lookup (""));
  g_test_message ("%u classes, %u fields", n, n_fields);
}

static void
test_names (void)
{
  /* the naming rules other code relies on */
  g_assert_cmpstr (g_type_name (XAPI_TYPE_VM), ==, "XapiVm");
  g_assert_cmpstr (g_type_name (XAPI_TYPE_VM_METRICS), ==, "XapiVmMetrics");
  g_assert_cmpstr (g_type_name (XAPI_TYPE_GPU_GROUP), ==, "XapiGpuGroup");
  g_assert_cmpstr (g_type_name (XAPI_TYPE_VMPP), ==, "XapiVmpp");
  g_assert_cmpstr (g_type_name (XAPI_TYPE_NETWORK_SRIOV), ==, "XapiNetworkSriov");
  g_assert_cmpstr (g_type_name (XAPI_TYPE_TASK), ==, "XapiTask");
  g_assert_cmpstr (g_type_name (XAPI_TYPE_SR), ==, "XapiSr");
  g_assert_cmpstr (g_type_name (XAPI_TYPE_EVENT_OBJECT), ==, "XapiEventObject");
  g_assert_cmpstr (g_type_name (XAPI_TYPE_VM_POWER_STATE), ==, "XapiVmPowerState");
  g_assert_nonnull (g_object_class_find_property (g_type_class_peek (XAPI_TYPE_VM) ?: g_type_class_ref (XAPI_TYPE_VM),
                                                  "vcpus-max"));

  /* wrappers exist with the documented shapes (compile-time checks) */
  {
    void (*start) (XapiConnection *, const char *, gboolean, gboolean,
                   GCancellable *, GAsyncReadyCallback, gpointer) = xapi_vm_start_async;
    void (*start_task) (XapiConnection *, const char *, gboolean, gboolean,
                        GCancellable *, GAsyncReadyCallback, gpointer) = xapi_vm_start_as_task_async;
    gboolean (*start_finish) (XapiConnection *, GAsyncResult *, GError **) = xapi_vm_start_finish;
    XapiTask *(*task_finish) (XapiConnection *, GAsyncResult *, GError **) = xapi_vm_start_as_task_finish;
    char **(*get_all_finish) (XapiConnection *, GAsyncResult *, GError **) = xapi_vm_get_all_finish;
    JsonNode *(*records_finish) (XapiConnection *, GAsyncResult *, GError **) = xapi_vm_get_all_records_finish;
    gboolean (*int_finish) (XapiConnection *, GAsyncResult *, gint64 *, GError **) = xapi_vm_get_vcpus_max_finish;
    gboolean (*enum_finish) (XapiConnection *, GAsyncResult *, XapiVmPowerState *, GError **) =
      xapi_vm_get_power_state_finish;
    GHashTable *(*map_finish) (XapiConnection *, GAsyncResult *, GError **) = xapi_vm_get_other_config_finish;
    char *(*login_finish) (XapiConnection *, GAsyncResult *, GError **) = xapi_session_login_with_password_finish;
    void (*from) (XapiConnection *, const char * const *, const char *, double,
                  GCancellable *, GAsyncReadyCallback, gpointer) = xapi_event_from_async;
    void (*create) (XapiConnection *, JsonObject *, GCancellable *, GAsyncReadyCallback, gpointer) =
      xapi_vm_create_as_task_async;
    void (*add_to) (XapiConnection *, const char *, const char *, const char *,
                    GCancellable *, GAsyncReadyCallback, gpointer) = xapi_vm_add_to_other_config_async;

    g_assert_nonnull (start);
    g_assert_nonnull (start_task);
    g_assert_nonnull (start_finish);
    g_assert_nonnull (task_finish);
    g_assert_nonnull (get_all_finish);
    g_assert_nonnull (records_finish);
    g_assert_nonnull (int_finish);
    g_assert_nonnull (enum_finish);
    g_assert_nonnull (map_finish);
    g_assert_nonnull (login_finish);
    g_assert_nonnull (from);
    g_assert_nonnull (create);
    g_assert_nonnull (add_to);
  }
  /* getters that would clash with G_DECLARE_FINAL_TYPE's get_type */
  g_assert_nonnull (xapi_sr_get_type_field);
}

static void
test_enums (void)
{
  static const char *const power[] = { "Halted", "Paused", "Running", "Suspended" };
  g_autoptr(GEnumClass) klass = g_type_class_ref (XAPI_TYPE_VM_POWER_STATE);
  guint n = 0;
  const XapiClassInfo *const *all = xapi_class_info_all (&n);

  g_assert_cmpuint (klass->n_values, ==, 5);
  g_assert_cmpint (klass->values[0].value, ==, XAPI_VM_POWER_STATE_UNRECOGNISED);
  g_assert_cmpint (XAPI_VM_POWER_STATE_UNRECOGNISED, ==, 0);
  g_assert_cmpstr (klass->values[0].value_nick, ==, "(unrecognised)");
  for (guint i = 0; i < G_N_ELEMENTS (power); i++)
    {
      GEnumValue *ev = g_enum_get_value_by_nick (klass, power[i]);

      g_assert_nonnull (ev);
      g_assert_cmpstr (ev->value_nick, ==, power[i]);
    }
  g_assert_cmpint (g_enum_get_value_by_nick (klass, "Running")->value, ==, XAPI_VM_POWER_STATE_RUNNING);
  g_assert_cmpint (XAPI_BOND_MODE_ACTIVE_BACKUP, !=, 0);
  g_assert_cmpstr (xapi_marshal_enum_to_nick (XAPI_TYPE_BOND_MODE, XAPI_BOND_MODE_ACTIVE_BACKUP), ==, "active-backup");
  g_assert_cmpstr (xapi_marshal_enum_to_nick (XAPI_TYPE_HOST_NTP_MODE, XAPI_HOST_NTP_MODE_DHCP), ==, "DHCP");

  /* every enum of every field: value 0 is "(unrecognised)", the others are
   * distinct, non-empty wire strings */
  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < all[i]->n_fields; j++)
      if (all[i]->fields[j].kind == XAPI_FIELD_ENUM)
        {
          g_autoptr(GEnumClass) ec = g_type_class_ref (all[i]->fields[j].enum_get_type ());
          g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

          g_assert_cmpuint (ec->n_values, >=, 2);
          g_assert_cmpstr (ec->values[0].value_nick, ==, "(unrecognised)");
          for (guint k = 1; k < ec->n_values; k++)
            {
              g_assert_cmpint (ec->values[k].value, ==, k);
              g_assert_cmpuint (strlen (ec->values[k].value_nick), >, 0);
              g_assert_true (g_hash_table_add (seen, (gpointer) ec->values[k].value_nick));
              g_assert_cmpint (xapi_marshal_enum_from_nick (G_TYPE_FROM_CLASS (ec), ec->values[k].value_nick),
                               ==, ec->values[k].value);
            }
        }
}

static char *
array_text (JsonArray *a)
{
  g_autoptr(JsonNode) node = json_node_init_array (json_node_alloc (), a);

  return xapi_json_to_string (node, NULL);
}

static void
test_marshal (void)
{
  g_autoptr(JsonArray) p = json_array_new ();
  g_autoptr(GHashTable) map = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GDateTime) dt = g_date_time_new_utc (2024, 4, 20, 12, 0, 0);
  g_autoptr(JsonObject) rec = json_object_new ();
  const char *strv[] = { "a", "OpaqueRef:b", NULL };
  const char *ints[] = { "1", "9007199254740993", NULL };
  g_autofree char *text = NULL;

  /* what xapi_vm_start_async builds for (vm, FALSE, TRUE) */
  _xapi_marshal_add_ref (p, "OpaqueRef:vm");
  json_array_add_boolean_element (p, FALSE);
  json_array_add_boolean_element (p, TRUE);
  text = array_text (p);
  g_assert_cmpstr (text, ==, "[\"OpaqueRef:vm\",false,true]");
  g_clear_pointer (&text, g_free);

  g_clear_pointer (&p, json_array_unref);
  p = json_array_new ();
  g_hash_table_insert (map, "k", "v\"q");
  json_object_set_string_member (rec, "name_label", "x");
  _xapi_marshal_add_ref (p, NULL);
  _xapi_marshal_add_string (p, NULL);
  _xapi_marshal_add_enum (p, XAPI_TYPE_VM_POWER_STATE, XAPI_VM_POWER_STATE_SUSPENDED);
  _xapi_marshal_add_strv (p, strv, XAPI_FIELD_STRING);
  _xapi_marshal_add_strv (p, ints, XAPI_FIELD_INT);
  _xapi_marshal_add_strv (p, NULL, XAPI_FIELD_STRING);
  _xapi_marshal_add_map (p, map, XAPI_FIELD_STRING);
  _xapi_marshal_add_map (p, NULL, XAPI_FIELD_STRING);
  _xapi_marshal_add_datetime (p, dt);
  _xapi_marshal_add_object (p, rec);
  _xapi_marshal_add_node (p, NULL);
  json_array_add_int_element (p, G_GINT64_CONSTANT (9007199254740993));
  json_array_add_double_element (p, 0.5);
  text = array_text (p);
  g_assert_cmpstr (text, ==,
                   "[\"OpaqueRef:NULL\",\"\",\"Suspended\",[\"a\",\"OpaqueRef:b\"],[1,9007199254740993],[],"
                   "{\"k\":\"v\\\"q\"},{},\"20240420T12:00:00Z\",{\"name_label\":\"x\"},null,"
                   "9007199254740993,0.5]");

  /* results: arrays and objects to C */
  {
    g_autoptr(JsonNode) node = xapi_json_parse ("[\"x\",\"y\",3,true]", -1, NULL);
    g_auto(GStrv) out = xapi_marshal_array_to_strv (json_node_get_array (node));
    g_autoptr(JsonNode) bad = xapi_json_parse ("[\"x\",[1]]", -1, NULL);
    g_autoptr(JsonNode) obj = xapi_json_parse ("{\"0\":3,\"1\":\"s\",\"2\":[\"a\"]}", -1, NULL);
    g_autoptr(GHashTable) m = xapi_marshal_object_to_map (json_node_get_object (obj));

    g_assert_cmpuint (g_strv_length (out), ==, 4);
    g_assert_cmpstr (out[2], ==, "3");
    g_assert_cmpstr (out[3], ==, "true");
    g_assert_null (xapi_marshal_array_to_strv (json_node_get_array (bad)));
    g_assert_cmpstr (g_hash_table_lookup (m, "0"), ==, "3");
    g_assert_cmpstr (g_hash_table_lookup (m, "1"), ==, "s");
    g_assert_cmpstr (g_hash_table_lookup (m, "2"), ==, "[\"a\"]");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/codegen/registry", test_registry);
  g_test_add_func ("/codegen/names", test_names);
  g_test_add_func ("/codegen/enums", test_enums);
  g_test_add_func ("/codegen/marshal", test_marshal);

  return g_test_run ();
}
