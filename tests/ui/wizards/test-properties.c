/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Properties window driven through its widgets against xapi-sim. */

#include "config.h"

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "sim-fixture.h"
#include "../ui-util.h"
#include "xapi-cache.h"
#include "xapi-classes.h"
#include "dialogs/xp-properties-dialog.h"
#include "pages/xp-page-util.h"
#include "actions/xp-object-actions.h"

#define TIMEOUT_MS 20000
#define MIB ((gint64) 1024 * 1024)

typedef struct {
  XapiSim        *sim;
  XapiConnection *conn;
  GtkWindow      *dialog;     /* a ref of our own: OK destroys the window */
  gboolean        finished;
  gboolean        all_applied;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  if (xapi_test_skip_without_sim ())
    return;
  if (gdk_display_get_default () == NULL)
    {
      g_test_skip ("no display (run under xvfb-run)");
      return;
    }
  f->sim = xapi_sim_start ("--scenario", "demo", "--time-scale", "0.02", NULL);
  f->conn = xapi_test_connect_pinned (f->sim, NULL, "secret");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->dialog != NULL)
    {
      gtk_window_destroy (f->dialog);
      g_clear_object (&f->dialog);
    }
  g_clear_pointer (&f->conn, xapi_test_connection_close);
  g_clear_pointer (&f->sim, xapi_sim_stop);
}

static GtkWidget *
get (Fixture    *f,
     const char *name)
{
  return xp_test_get (GTK_WINDOW (f->dialog), name);
}

static const char *
label_text (Fixture    *f,
            const char *name)
{
  GtkWidget *l = get (f, name);

  return gtk_widget_get_visible (l) ? gtk_label_get_text (GTK_LABEL (l)) : "";
}

static void
set_text (Fixture    *f,
          const char *name,
          const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (get (f, name)), text);
}

static void
set_spin (Fixture    *f,
          const char *name,
          double      value)
{
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (get (f, name)), value);
}

static XapiObject *
find_by_name (Fixture    *f,
              GType       type,
              const char *name)
{
  GListModel *list = xapi_cache_get_objects (xapi_connection_get_cache (f->conn), type);

  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(XapiObject) obj = g_list_model_get_item (list, i);

      if (g_str_equal (xp_field_str (obj, "name_label"), name) && !xapi_object_is_gone (obj))
        return obj;   /* the cache keeps it alive */
    }
  g_assert_not_reached ();
}

static void
on_finished (GtkWindow *dialog,
             gboolean   all_applied,
             Fixture   *f)
{
  f->finished = TRUE;
  f->all_applied = all_applied;
}

static void
open_dialog (Fixture    *f,
             XapiObject *obj)
{
  f->dialog = g_object_ref (xp_properties_dialog_new (NULL, obj));
  g_signal_connect (f->dialog, "finished", G_CALLBACK (on_finished), f);
  gtk_window_present (f->dialog);
}

static gboolean
is_finished (gpointer data)
{
  return ((Fixture *) data)->finished;
}

/* Click OK and wait for the calls; returns whether all were applied. */
static gboolean
click_ok (Fixture *f)
{
  GtkWidget *ok = get (f, "ok-button");

  g_assert_true (gtk_widget_get_sensitive (ok));
  f->finished = FALSE;
  g_signal_emit_by_name (ok, "clicked");
  g_assert_true (xapi_test_wait_for (is_finished, f, TIMEOUT_MS));
  return f->all_applied;
}

/* ---- raw access to the simulator, independent of libxapi ---- */

static JsonNode *
raw (Fixture    *f,
     const char *method,
     const char *args_json)
{
  g_autofree char *session = xapi_sim_raw_login (f->sim);
  g_autofree char *params = g_strdup_printf ("[\"%s\",%s]", session, args_json);
  g_autoptr(JsonNode) reply = xapi_sim_raw_call (f->sim, NULL, method, params);
  JsonObject *o = json_node_get_object (reply);

  g_assert_true (json_object_has_member (o, "result"));
  return json_node_copy (json_object_get_member (o, "result"));
}

static JsonObject *
record (Fixture    *f,
        XapiObject *obj)
{
  g_autofree char *method = g_strdup_printf ("%s.get_record", xapi_object_get_class_name (obj));
  g_autofree char *arg = g_strdup_printf ("\"%s\"", xapi_object_get_ref (obj));
  g_autoptr(JsonNode) n = raw (f, method, arg);

  return json_object_ref (json_node_get_object (n));
}

static const char *
map_get (JsonObject *rec,
         const char *map,
         const char *key)
{
  JsonObject *m = json_object_get_object_member (rec, map);

  return json_object_has_member (m, key) ? json_object_get_string_member (m, key) : NULL;
}

static char *
tags_of (JsonObject *rec)
{
  JsonArray *a = json_object_get_array_member (rec, "tags");
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (a); i++)
    g_string_append_printf (s, "%s%s", i ? "|" : "", json_array_get_string_element (a, i));
  return g_string_free (s, FALSE);
}

static void
edit_general (Fixture *f)
{
  set_text (f, "name", "renamed");
  set_text (f, "description", "edited in Properties");
  set_text (f, "tags", " web,prod , ");
  set_text (f, "folder", "Production//Web/");
}

static void
check_general (Fixture    *f,
               JsonObject *rec)
{
  g_autofree char *tags = tags_of (rec);

  g_assert_cmpstr (json_object_get_string_member (rec, "name_label"), ==, "renamed");
  g_assert_cmpstr (json_object_get_string_member (rec, "name_description"), ==, "edited in Properties");
  g_assert_cmpstr (tags, ==, "web|prod");
  g_assert_cmpstr (map_get (rec, "other_config", "folder"), ==, "/Production/Web");
}

/* ---- tests ---- */

typedef struct { GtkWidget *widget; gboolean want; } SensitiveWait;

static gboolean
sensitive_is (gpointer data)
{
  SensitiveWait *w = data;
  return gtk_widget_is_sensitive (w->widget) == w->want;
}

static void
test_vm_edit_all (Fixture *f, gconstpointer data)
{
  XapiObject *vm, *pool;
  g_autoptr(JsonObject) rec = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autofree char *mutate = NULL;
  SensitiveWait ha = { NULL, TRUE };

  if (f->sim == NULL)
    return;
  vm = find_by_name (f, XAPI_TYPE_VM, "legacy-erp");   /* halted, HVM, 2 vCPUs, 6 GiB, static min 3 GiB */
  pool = xapi_cache_get_pool (xapi_connection_get_cache (f->conn));
  open_dialog (f, vm);
  g_assert_cmpstr (label_text (f, "hint-label"), ==, "");
  g_assert_true (gtk_widget_get_sensitive (get (f, "ok-button")));

  /* HA is off in the demo pool: its settings wait until someone turns it on */
  ha.widget = get (f, "ha-priority");
  g_assert_false (gtk_widget_is_sensitive (ha.widget));
  mutate = g_strdup_printf ("{\"class\":\"pool\",\"ref\":\"%s\",\"field\":\"ha_enabled\",\"value\":true}",
                            xapi_object_get_ref (pool));
  reply = xapi_sim_control (f->sim, "/mutate", mutate);
  g_assert_true (xapi_test_wait_for (sensitive_is, &ha, TIMEOUT_MS));

  edit_general (f);
  gtk_switch_set_active (GTK_SWITCH (get (f, "autostart")), TRUE);
  set_spin (f, "vcpus-max", 4);
  set_spin (f, "vcpus-startup", 3);
  set_spin (f, "cores-per-socket", 2);
  set_spin (f, "memory-static-max", 8192);
  set_spin (f, "memory-dynamic-max", 8192);
  set_spin (f, "memory-dynamic-min", 4096);
  /* boot order c, d, n → d, c (network off) */
  gtk_check_button_set_active (GTK_CHECK_BUTTON (get (f, "boot-n")), FALSE);
  g_signal_emit_by_name (get (f, "boot-d-up"), "clicked");
  adw_combo_row_set_selected (ADW_COMBO_ROW (get (f, "ha-priority")), 0);   /* Restart */
  set_spin (f, "ha-order", 5);
  g_assert_cmpstr (label_text (f, "hint-label"), ==, "");

  g_assert_true (click_ok (f));
  rec = record (f, vm);
  check_general (f, rec);
  g_assert_cmpstr (map_get (rec, "other_config", "auto_poweron"), ==, "true");
  g_assert_cmpint (json_object_get_int_member (rec, "VCPUs_max"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (rec, "VCPUs_at_startup"), ==, 3);
  g_assert_cmpstr (map_get (rec, "platform", "cores-per-socket"), ==, "2");
  g_assert_cmpint (json_object_get_int_member (rec, "memory_static_min"), ==, 3072 * MIB);
  g_assert_cmpint (json_object_get_int_member (rec, "memory_static_max"), ==, 8192 * MIB);
  g_assert_cmpint (json_object_get_int_member (rec, "memory_dynamic_max"), ==, 8192 * MIB);
  g_assert_cmpint (json_object_get_int_member (rec, "memory_dynamic_min"), ==, 4096 * MIB);
  g_assert_cmpstr (map_get (rec, "HVM_boot_params", "order"), ==, "dc");
  g_assert_cmpstr (json_object_get_string_member (rec, "ha_restart_priority"), ==, "restart");
  g_assert_cmpint (json_object_get_int_member (rec, "order"), ==, 5);
  /* the other keys of the maps are kept */
  g_assert_cmpstr (map_get (rec, "other_config", "linux_template"), ==, "true");
  g_assert_cmpstr (map_get (rec, "platform", "acpi"), ==, "1");
  /* all applied: the window closed itself */
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (f->dialog)));
  g_clear_object (&f->dialog);
}

static void
test_vm_lower_vcpus (Fixture *f, gconstpointer data)
{
  XapiObject *vm;
  g_autoptr(JsonObject) rec = NULL;

  if (f->sim == NULL)
    return;
  /* lowering both: at_startup has to go first for xapi */
  vm = find_by_name (f, XAPI_TYPE_VM, "legacy-erp");
  open_dialog (f, vm);
  set_spin (f, "cores-per-socket", 1);
  set_spin (f, "vcpus-startup", 1);
  set_spin (f, "vcpus-max", 1);
  g_assert_true (click_ok (f));
  rec = record (f, vm);
  g_assert_cmpint (json_object_get_int_member (rec, "VCPUs_max"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (rec, "VCPUs_at_startup"), ==, 1);
}

static void
test_vm_invalid (Fixture *f, gconstpointer data)
{
  GtkWidget *ok;

  if (f->sim == NULL)
    return;
  open_dialog (f, find_by_name (f, XAPI_TYPE_VM, "legacy-erp"));
  ok = get (f, "ok-button");

  set_text (f, "name", "  ");
  g_assert_false (gtk_widget_get_sensitive (ok));
  g_assert_nonnull (strstr (label_text (f, "hint-label"), "name"));
  set_text (f, "name", "legacy-erp");
  g_assert_true (gtk_widget_get_sensitive (ok));

  /* vCPUs at startup above the maximum (typed: checked as the user types) */
  set_text (f, "vcpus-startup", "3");
  g_assert_false (gtk_widget_get_sensitive (ok));
  g_assert_nonnull (strstr (label_text (f, "hint-label"), "at startup"));
  set_spin (f, "vcpus-max", 4);
  set_spin (f, "cores-per-socket", 3);
  g_assert_false (gtk_widget_get_sensitive (ok));
  g_assert_nonnull (strstr (label_text (f, "hint-label"), "multiple"));
  set_spin (f, "cores-per-socket", 1);
  g_assert_true (gtk_widget_get_sensitive (ok));

  /* memory order broken */
  set_spin (f, "memory-dynamic-min", 7000);
  g_assert_false (gtk_widget_get_sensitive (ok));
  g_assert_nonnull (strstr (label_text (f, "hint-label"), "dynamic minimum cannot be more"));
  set_spin (f, "memory-dynamic-min", 1024);
  g_assert_nonnull (strstr (label_text (f, "hint-label"), "static minimum"));
  set_spin (f, "memory-dynamic-min", 4096);
  set_spin (f, "memory-dynamic-max", 7000);
  g_assert_nonnull (strstr (label_text (f, "hint-label"), "dynamic maximum cannot be more"));
  g_assert_false (gtk_widget_get_sensitive (ok));
  set_spin (f, "memory-static-max", 7000);
  g_assert_true (gtk_widget_get_sensitive (ok));
  g_assert_cmpstr (label_text (f, "hint-label"), ==, "");

  /* no boot device */
  for (const char *const *d = (const char *const[]) { "boot-c", "boot-d", "boot-n", NULL }; *d; d++)
    gtk_check_button_set_active (GTK_CHECK_BUTTON (get (f, *d)), FALSE);
  g_assert_false (gtk_widget_get_sensitive (ok));
  g_assert_nonnull (strstr (label_text (f, "hint-label"), "boot device"));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (get (f, "boot-c")), TRUE);
  g_assert_true (gtk_widget_get_sensitive (ok));

  /* HA is off: its settings cannot change */
  set_spin (f, "ha-order", 3);
  g_assert_false (gtk_widget_get_sensitive (ok));
  g_assert_nonnull (strstr (label_text (f, "hint-label"), "High availability"));
}

static void
test_vm_running (Fixture *f, gconstpointer data)
{
  XapiObject *vm;
  g_autoptr(JsonObject) rec = NULL;

  if (f->sim == NULL)
    return;
  vm = find_by_name (f, XAPI_TYPE_VM, "db-primary");   /* running */
  open_dialog (f, vm);
  /* vCPUs and the static maximum need a halted VM: insensitive, explained */
  g_assert_false (gtk_widget_is_sensitive (get (f, "vcpus-max")));
  g_assert_false (gtk_widget_is_sensitive (get (f, "memory-static-max")));
  g_assert_true (gtk_widget_is_sensitive (get (f, "memory-dynamic-max")));
  /* the dynamic range of a running VM: VM.set_memory_dynamic_range */
  set_spin (f, "memory-dynamic-min",
            gtk_spin_button_get_value (GTK_SPIN_BUTTON (get (f, "memory-dynamic-max"))) - 512);
  g_assert_true (click_ok (f));
  rec = record (f, vm);
  g_assert_cmpint (json_object_get_int_member (rec, "memory_dynamic_min"), ==,
                   json_object_get_int_member (rec, "memory_dynamic_max") - 512 * MIB);
}

static gboolean
vm_renamed (gpointer data)
{
  return g_str_equal (xp_field_str (data, "name_label"), "renamed");
}

static void
test_vm_partial_failure (Fixture *f, gconstpointer data)
{
  XapiObject *vm;
  g_autoptr(JsonNode) reply = NULL;
  g_autofree char *fail = NULL;
  const char *text;

  if (f->sim == NULL)
    return;
  vm = find_by_name (f, XAPI_TYPE_VM, "legacy-erp");
  open_dialog (f, vm);
  set_text (f, "name", "renamed");
  set_text (f, "description", "edited in Properties");
  set_spin (f, "vcpus-max", 4);
  set_text (f, "folder", "/Finance");
  /* someone starts the VM at the moment OK is pressed: xapi refuses */
  fail = g_strdup_printf ("{\"method\":\"VM.set_VCPUs_max\",\"error\":[\"VM_BAD_POWER_STATE\",\"%s\",\"halted\",\"running\"],\"count\":1}",
                          xapi_object_get_ref (vm));
  reply = xapi_sim_control (f->sim, "/fail-next", fail);

  g_assert_false (click_ok (f));
  text = label_text (f, "failure-label");
  g_test_message ("report: %s", text);
  g_assert_nonnull (strstr (text, "Applied: Name, Description, Folder."));
  g_assert_nonnull (strstr (text, "Not applied:\nMaximum number of vCPUs: "));
  g_assert_nonnull (strstr (text, "VM_BAD_POWER_STATE"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (f->dialog)));
  /* the applied fields keep their new values while their events arrive */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (get (f, "name"))), ==, "renamed");
  g_assert_true (xapi_test_wait_for (vm_renamed, vm, TIMEOUT_MS));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (get (f, "name"))), ==, "renamed");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (get (f, "folder"))), ==, "/Finance");
  {
    g_autoptr(JsonObject) rec = record (f, vm);
    g_assert_cmpstr (json_object_get_string_member (rec, "name_label"), ==, "renamed");
    g_assert_cmpstr (json_object_get_string_member (rec, "name_description"), ==, "edited in Properties");
    g_assert_cmpstr (map_get (rec, "other_config", "folder"), ==, "/Finance");
    g_assert_cmpint (json_object_get_int_member (rec, "VCPUs_max"), ==, 2);
  }
  /* the user's value is kept; OK again applies only what is left */
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (get (f, "vcpus-max"))), ==, 4);
  g_assert_true (click_ok (f));
  {
    g_autoptr(JsonObject) rec = record (f, vm);
    g_assert_cmpint (json_object_get_int_member (rec, "VCPUs_max"), ==, 4);
  }
}

typedef struct { GtkEditable *editable; const char *want; } TextWait;

static gboolean
text_is (gpointer data)
{
  TextWait *w = data;
  return g_strcmp0 (gtk_editable_get_text (w->editable), w->want) == 0;
}

static void
test_vm_live_update (Fixture *f, gconstpointer data)
{
  XapiObject *vm;
  g_autofree char *args = NULL;
  g_autoptr(JsonNode) r1 = NULL, r2 = NULL, r3 = NULL;
  TextWait name;
  SensitiveWait max;

  if (f->sim == NULL)
    return;
  vm = find_by_name (f, XAPI_TYPE_VM, "legacy-erp");
  open_dialog (f, vm);
  set_text (f, "description", "mine");
  set_spin (f, "vcpus-startup", 1);
  /* another client renames the VM and changes its description */
  args = g_strdup_printf ("\"%s\",\"renamed elsewhere\"", xapi_object_get_ref (vm));
  r1 = raw (f, "VM.set_name_label", args);
  g_free (args);
  args = g_strdup_printf ("\"%s\",\"theirs\"", xapi_object_get_ref (vm));
  r2 = raw (f, "VM.set_name_description", args);
  name = (TextWait) { GTK_EDITABLE (get (f, "name")), "renamed elsewhere" };
  g_assert_true (xapi_test_wait_for (text_is, &name, TIMEOUT_MS));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (get (f, "description"))), ==, "mine");
  /* and starts it: the vCPUs cannot change any more */
  g_free (args);
  args = g_strdup_printf ("\"%s\",false,false", xapi_object_get_ref (vm));
  r3 = raw (f, "VM.start", args);
  max = (SensitiveWait) { get (f, "memory-static-max"), FALSE };
  g_assert_true (xapi_test_wait_for (sensitive_is, &max, TIMEOUT_MS));
  /* the vCPU change cannot be applied any more: OK says so, and the user
   * can still take it back */
  g_assert_false (gtk_widget_get_sensitive (get (f, "ok-button")));
  g_assert_nonnull (strstr (label_text (f, "hint-label"), "Shut down the VM"));
  g_assert_true (gtk_widget_is_sensitive (get (f, "vcpus-startup")));
  set_spin (f, "vcpus-startup", 2);
  g_assert_cmpstr (label_text (f, "hint-label"), ==, "");

  /* OK writes only the touched field */
  g_assert_true (click_ok (f));
  {
    g_autoptr(JsonObject) rec = record (f, vm);
    g_assert_cmpstr (json_object_get_string_member (rec, "name_label"), ==, "renamed elsewhere");
    g_assert_cmpstr (json_object_get_string_member (rec, "name_description"), ==, "mine");
  }
}

static gboolean
boot_policy_empty (gpointer data)
{
  return g_str_equal (xp_field_str (data, "HVM_boot_policy"), "");
}

static void
test_vm_pv (Fixture *f, gconstpointer data)
{
  XapiObject *vm;
  g_autofree char *mutate = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(JsonObject) rec = NULL;

  if (f->sim == NULL)
    return;
  /* a PV VM (no HVM boot policy): kernel arguments instead of a boot order */
  vm = find_by_name (f, XAPI_TYPE_VM, "legacy-erp");
  mutate = g_strdup_printf ("{\"class\":\"VM\",\"ref\":\"%s\",\"field\":\"HVM_boot_policy\",\"value\":\"\"}",
                            xapi_object_get_ref (vm));
  reply = xapi_sim_control (f->sim, "/mutate", mutate);
  g_assert_true (xapi_test_wait_for (boot_policy_empty, vm, TIMEOUT_MS));
  open_dialog (f, vm);
  g_assert_null (xp_test_find_named (GTK_WIDGET (f->dialog), "boot-order"));
  set_text (f, "pv-args", "console=hvc0 quiet");
  g_assert_true (click_ok (f));
  rec = record (f, vm);
  g_assert_cmpstr (json_object_get_string_member (rec, "PV_args"), ==, "console=hvc0 quiet");
}

static gboolean
title_is_erp_old (gpointer data)
{
  return g_strcmp0 (gtk_window_get_title (data), "“erp-old” Properties") == 0;
}

static void
test_vm_deleted (Fixture *f, gconstpointer data)
{
  XapiObject *vm;
  g_autofree char *args = NULL;
  g_autoptr(JsonNode) r1 = NULL, r2 = NULL;
  SensitiveWait ok;

  if (f->sim == NULL)
    return;
  vm = find_by_name (f, XAPI_TYPE_VM, "legacy-erp");
  open_dialog (f, vm);
  set_text (f, "description", "mine");
  /* renamed elsewhere: the title follows */
  args = g_strdup_printf ("\"%s\",\"erp-old\"", xapi_object_get_ref (vm));
  r1 = raw (f, "VM.set_name_label", args);
  g_assert_true (xapi_test_wait_for (title_is_erp_old, f->dialog, TIMEOUT_MS));
  /* deleted elsewhere: OK is disabled, with the reason */
  g_free (args);
  args = g_strdup_printf ("\"%s\"", xapi_object_get_ref (vm));
  r2 = raw (f, "VM.destroy", args);
  ok = (SensitiveWait) { get (f, "ok-button"), FALSE };
  g_assert_true (xapi_test_wait_for (sensitive_is, &ok, TIMEOUT_MS));
  g_assert_nonnull (strstr (label_text (f, "hint-label"), "no longer exists"));
}

static void
test_host_and_sr (Fixture *f, gconstpointer data)
{
  const struct { GType type; const char *name; } objects[] = {
    { XAPI_TYPE_HOST, "xcp-ng-02" },
    { XAPI_TYPE_SR, "NFS VM storage" },
  };

  if (f->sim == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (objects); i++)
    {
      XapiObject *obj = find_by_name (f, objects[i].type, objects[i].name);
      g_autoptr(JsonObject) rec = NULL;

      open_dialog (f, obj);
      /* General only */
      g_assert_null (xp_test_find_named (GTK_WIDGET (f->dialog), "vcpus-max"));
      g_assert_null (xp_test_find_named (GTK_WIDGET (f->dialog), "autostart"));
      edit_general (f);
      g_assert_true (click_ok (f));
      rec = record (f, obj);
      check_general (f, rec);
      g_clear_object (&f->dialog);
    }
}

static void
test_action (Fixture *f, gconstpointer data)
{
  g_autoptr(XpObjectActions) actions = NULL;
  g_autoptr(GPtrArray) sel = g_ptr_array_new ();
  GActionGroup *group;
  XapiObject *vm;
  GtkWindow *shown;

  if (f->sim == NULL)
    return;
  actions = xp_object_actions_new (NULL);
  group = xp_object_actions_get_group (actions);
  vm = find_by_name (f, XAPI_TYPE_VM, "legacy-erp");
  g_assert_false (g_action_group_get_action_enabled (group, "properties"));
  g_ptr_array_add (sel, vm);
  xp_object_actions_set_selection (actions, sel);
  g_assert_true (g_action_group_get_action_enabled (group, "properties"));
  g_ptr_array_add (sel, find_by_name (f, XAPI_TYPE_SR, "NFS VM storage"));
  xp_object_actions_set_selection (actions, sel);
  g_assert_false (g_action_group_get_action_enabled (group, "properties"));
  g_ptr_array_set_size (sel, 1);
  xp_object_actions_set_selection (actions, sel);
  g_action_group_activate_action (group, "properties", NULL);
  shown = xp_properties_dialog_present (NULL, vm);   /* the one the action opened */
  f->dialog = g_object_ref (shown);
  g_action_group_activate_action (group, "properties", NULL);
  g_assert_true (xp_properties_dialog_present (NULL, vm) == shown);
  xp_object_actions_set_selection (actions, NULL);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add ("/properties/vm/edit-all", Fixture, NULL, fixture_setup, test_vm_edit_all, fixture_teardown);
  g_test_add ("/properties/vm/lower-vcpus", Fixture, NULL, fixture_setup, test_vm_lower_vcpus, fixture_teardown);
  g_test_add ("/properties/vm/invalid", Fixture, NULL, fixture_setup, test_vm_invalid, fixture_teardown);
  g_test_add ("/properties/vm/running", Fixture, NULL, fixture_setup, test_vm_running, fixture_teardown);
  g_test_add ("/properties/vm/partial-failure", Fixture, NULL, fixture_setup, test_vm_partial_failure, fixture_teardown);
  g_test_add ("/properties/vm/live-update", Fixture, NULL, fixture_setup, test_vm_live_update, fixture_teardown);
  g_test_add ("/properties/vm/pv", Fixture, NULL, fixture_setup, test_vm_pv, fixture_teardown);
  g_test_add ("/properties/vm/deleted", Fixture, NULL, fixture_setup, test_vm_deleted, fixture_teardown);
  g_test_add ("/properties/host-and-sr", Fixture, NULL, fixture_setup, test_host_and_sr, fixture_teardown);
  g_test_add ("/properties/action", Fixture, NULL, fixture_setup, test_action, fixture_teardown);
  return g_test_run ();
}
