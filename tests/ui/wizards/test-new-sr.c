/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The New Storage wizard driven through its widgets against xapi-sim:
 * iSCSI through the IQN and LUN steps, reattaching an existing SR, SMB/CIFS
 * disks and ISO libraries, local LVM on a chosen server, and a failure
 * half-way through a reattach leaving nothing behind. */

#include "config.h"

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "sim-fixture.h"
#include "../ui-util.h"
#include "xapi-cache.h"
#include "xapi-classes.h"
#include "xp-new-sr-wizard.h"

#define TIMEOUT_MS 20000

/* what the simulator's storage holds (tests/xapi-sim/sim-ops2.c) */
#define PORTAL "san01.lab.example"
#define IQN_VMS "iqn.2026-01.example.lab:san01.vms"
#define LUN_OLD "36001405a1b2c3d4e5f600000000000a1"
#define LUN_NEW "36001405a1b2c3d4e5f600000000000a2"
#define OLD_ISCSI_SR "5c1e7a2e-0d6b-4f51-9a54-2f0e6b1d0a01"

typedef struct {
  XapiSim        *sim;
  XapiConnection *conn;
} Fixture;

typedef struct {
  gboolean done;
  char    *sr_ref;
  char    *error;
} Finished;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  if (!xp_test_have_sim_and_display ())
    return;
  f->sim = xapi_sim_start ("--scenario", "demo", "--time-scale", "0.02", NULL);
  f->conn = xapi_test_connect_pinned (f->sim, NULL, "secret");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->conn, xapi_test_connection_close);
  g_clear_pointer (&f->sim, xapi_sim_stop);
}

static const char *
text_of (GtkWindow  *win,
         const char *label)
{
  return gtk_label_get_text (GTK_LABEL (xp_test_get (win, label)));
}

static void
on_finished (GtkWindow  *w,
             const char *sr_ref,
             const char *error,
             Finished   *fin)
{
  fin->done = TRUE;
  fin->sr_ref = g_strdup (sr_ref);
  fin->error = g_strdup (error);
}

static gboolean
is_done (gpointer data)
{
  return ((Finished *) data)->done;
}

static void
finished_clear (Finished *fin)
{
  g_clear_pointer (&fin->sr_ref, g_free);
  g_clear_pointer (&fin->error, g_free);
  fin->done = FALSE;
}

static gboolean
probe_answered (gpointer data)
{
  const char *text = text_of (data, "probe-label");

  return *text != '\0' && !g_str_has_suffix (text, "…");
}

static gboolean
has_rows (gpointer data)
{
  return gtk_widget_get_first_child (data) != NULL;
}

static void
select_row (GtkWindow  *wiz,
            const char *list_name,
            const char *key,
            const char *value)
{
  GtkListBox *list = GTK_LIST_BOX (xp_test_get (wiz, list_name));
  GtkListBoxRow *row;

  g_assert_true (xapi_test_wait_for (has_rows, list, TIMEOUT_MS));
  for (int i = 0; (row = gtk_list_box_get_row_at_index (list, i)) != NULL; i++)
    if (g_strcmp0 (g_object_get_data (G_OBJECT (row), key), value) == 0)
      break;
  g_assert_nonnull (row);
  gtk_list_box_select_row (list, row);
}

static void
click (GtkWindow  *wiz,
       const char *name)
{
  g_signal_emit_by_name (xp_test_get (wiz, name), "clicked");
}

static void
set_text (GtkWindow  *wiz,
          const char *name,
          const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (xp_test_get (wiz, name)), text);
}

static gboolean
next_sensitive (GtkWindow *wiz)
{
  return gtk_widget_get_sensitive (xp_test_get (wiz, "next-button"));
}

/* A wizard on its location page for the @kind_button kind, named @name. */
static GtkWindow *
to_location (Fixture    *f,
             const char *kind_button,
             const char *name,
             Finished   *fin)
{
  GtkWindow *wiz = xp_new_sr_wizard_new (NULL, f->conn);

  g_signal_connect (wiz, "finished", G_CALLBACK (on_finished), fin);
  gtk_window_present (wiz);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (xp_test_get (wiz, kind_button)), TRUE);
  click (wiz, "next-button");
  g_assert_false (next_sensitive (wiz));
  g_assert_cmpstr (text_of (wiz, "hint-label"), ==, "Enter a name for the storage");
  set_text (wiz, "name-entry", name);
  click (wiz, "next-button");
  g_assert_false (next_sensitive (wiz));
  return wiz;
}

static void
scan (GtkWindow *wiz)
{
  click (wiz, "scan-button");
  g_assert_true (xapi_test_wait_for (probe_answered, wiz, TIMEOUT_MS));
}

static gboolean
lun_probed (gpointer data)
{
  return probe_answered (data) && strstr (text_of (data, "probe-label"), "LUNs") == NULL;
}

/* Through the iSCSI steps to the answer for LUN @scsi_id. */
static GtkWindow *
iscsi_to_lun (Fixture    *f,
              const char *name,
              const char *scsi_id,
              Finished   *fin)
{
  GtkWindow *wiz = to_location (f, "kind-iscsi", name, fin);

  g_assert_cmpstr (text_of (wiz, "hint-label"), ==, "Enter the iSCSI target’s name or address");
  set_text (wiz, "server-entry", PORTAL);
  g_assert_cmpstr (text_of (wiz, "hint-label"), ==, "Scan the target to list its IQNs");
  /* CHAP is optional but needs both halves */
  set_text (wiz, "user-entry", "someone");
  g_assert_cmpstr (text_of (wiz, "hint-label"), ==, "Enter the CHAP password, or clear the CHAP user");
  set_text (wiz, "user-entry", "");
  scan (wiz);
  g_assert_nonnull (strstr (text_of (wiz, "probe-label"), "2 IQNs"));
  g_assert_cmpstr (text_of (wiz, "hint-label"), ==, "Choose a target IQN");
  g_assert_false (next_sensitive (wiz));
  select_row (wiz, "iqn-list", "iqn", IQN_VMS);
  g_assert_true (xapi_test_wait_for (has_rows, xp_test_get (wiz, "lun-list"), TIMEOUT_MS));
  g_assert_true (xapi_test_wait_for (probe_answered, wiz, TIMEOUT_MS));
  g_assert_nonnull (strstr (text_of (wiz, "probe-label"), "2 LUNs"));
  g_assert_cmpstr (text_of (wiz, "hint-label"), ==, "Choose a LUN");
  select_row (wiz, "lun-list", "scsi-id", scsi_id);
  g_assert_true (xapi_test_wait_for (lun_probed, wiz, TIMEOUT_MS));
  return wiz;
}

static JsonObject *
sr_by_name (Fixture    *f,
            const char *name)
{
  g_autofree char *arg = g_strdup_printf ("\"%s\"", name);
  g_autoptr(JsonNode) refs = xapi_sim_raw_result (f->sim, "SR.get_by_name_label", arg);

  g_assert_nonnull (refs);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (refs)), ==, 1);
  return xapi_sim_raw_record (f->sim, "SR", json_array_get_string_element (json_node_get_array (refs), 0));
}

/* Every PBD of @sr is plugged and has @key = @value in device_config. */
static void
assert_pbds (Fixture    *f,
             JsonObject *sr,
             guint       n,
             const char *key,
             const char *value)
{
  JsonArray *pbds = json_object_get_array_member (sr, "PBDs");

  g_assert_cmpuint (json_array_get_length (pbds), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JsonObject) pbd = xapi_sim_raw_record (f->sim, "PBD", json_array_get_string_element (pbds, i));

      g_assert_true (json_object_get_boolean_member (pbd, "currently_attached"));
      g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (pbd, "device_config"), key),
                       ==, value);
    }
}

static void
create_and_wait (GtkWindow *wiz,
                 Finished  *fin)
{
  g_assert_true (next_sensitive (wiz));
  click (wiz, "next-button");
  g_assert_true (xapi_test_wait_for (is_done, fin, TIMEOUT_MS));
}

static void
test_iscsi_create (Fixture *f, gconstpointer data)
{
  Finished fin = { 0 };
  GtkWindow *wiz;
  guint n_hosts;

  if (f->sim == NULL)
    return;
  n_hosts = xapi_sim_raw_count (f->sim, "host.get_all");
  wiz = iscsi_to_lun (f, "wiz-iscsi", LUN_NEW, &fin);
  g_assert_true (next_sensitive (wiz));
  g_assert_nonnull (strstr (text_of (wiz, "probe-label"), "No SR exists"));
  g_assert_false (gtk_widget_get_visible (xp_test_get (wiz, "existing-box")));
  click (wiz, "next-button");
  /* the summary says a LUN will be formatted */
  g_assert_nonnull (strstr (text_of (wiz, "summary-label"), "will be formatted"));
  g_assert_nonnull (strstr (text_of (wiz, "summary-label"), IQN_VMS));
  create_and_wait (wiz, &fin);
  g_assert_null (fin.error);
  {
    g_autoptr(JsonObject) sr = sr_by_name (f, "wiz-iscsi");

    g_assert_cmpstr (json_object_get_string_member (sr, "type"), ==, "lvmoiscsi");
    g_assert_true (json_object_get_boolean_member (sr, "shared"));
    g_assert_cmpint (json_object_get_int_member (sr, "physical_size"), ==, 214748364800);
    assert_pbds (f, sr, n_hosts, "SCSIid", LUN_NEW);
    assert_pbds (f, sr, n_hosts, "targetIQN", IQN_VMS);
  }
  gtk_window_destroy (wiz);
  finished_clear (&fin);
}

static gboolean
login_refused (gpointer data)
{
  return strstr (text_of (data, "probe-label"), "ISCSI login failed") != NULL;
}

/* The secure IQN wants CHAP: refused without, LUNs with. */
static void
test_iscsi_chap (Fixture *f, gconstpointer data)
{
  Finished fin = { 0 };
  GtkWindow *wiz;
  guint n_hosts;

  if (f->sim == NULL)
    return;
  n_hosts = xapi_sim_raw_count (f->sim, "host.get_all");
  wiz = to_location (f, "kind-iscsi", "wiz-chap", &fin);
  set_text (wiz, "server-entry", "192.0.2.40");
  scan (wiz);
  select_row (wiz, "iqn-list", "iqn", "iqn.2026-01.example.lab:san01.secure");
  g_assert_true (xapi_test_wait_for (login_refused, wiz, TIMEOUT_MS));
  g_assert_nonnull (strstr (text_of (wiz, "probe-label"), "The scan failed"));
  g_assert_false (next_sensitive (wiz));
  /* with CHAP: scan again (the credentials changed what the target shows) */
  set_text (wiz, "user-entry", "chapuser");
  set_text (wiz, "password-entry", "chap-secret");
  g_assert_null (gtk_widget_get_first_child (xp_test_get (wiz, "iqn-list")));
  scan (wiz);
  select_row (wiz, "iqn-list", "iqn", "iqn.2026-01.example.lab:san01.secure");
  select_row (wiz, "lun-list", "scsi-id", "36001405a1b2c3d4e5f600000000000b1");
  g_assert_true (xapi_test_wait_for (lun_probed, wiz, TIMEOUT_MS));
  g_assert_true (next_sensitive (wiz));
  click (wiz, "next-button");
  g_assert_null (strstr (text_of (wiz, "summary-label"), "chap-secret"));
  create_and_wait (wiz, &fin);
  g_assert_null (fin.error);
  {
    g_autoptr(JsonObject) sr = sr_by_name (f, "wiz-chap");

    assert_pbds (f, sr, n_hosts, "chapuser", "chapuser");
    assert_pbds (f, sr, n_hosts, "chappassword", "chap-secret");
    assert_pbds (f, sr, n_hosts, "target", "192.0.2.40");
  }
  gtk_window_destroy (wiz);
  finished_clear (&fin);
}

static void
test_iscsi_reattach (Fixture *f, gconstpointer data)
{
  Finished fin = { 0 };
  GtkWindow *wiz;
  guint n_hosts;

  if (f->sim == NULL)
    return;
  n_hosts = xapi_sim_raw_count (f->sim, "host.get_all");
  wiz = iscsi_to_lun (f, "wiz-reattach", LUN_OLD, &fin);
  g_assert_true (next_sensitive (wiz));
  /* the probe found an SR: reattach is offered, and chosen by default */
  g_assert_true (gtk_widget_get_visible (xp_test_get (wiz, "existing-box")));
  g_assert_nonnull (strstr (text_of (wiz, "existing-label"), OLD_ISCSI_SR));
  g_assert_nonnull (strstr (text_of (wiz, "existing-label"), "107.4"));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (xp_test_get (wiz, "reattach-button"))));
  /* formatting instead warns clearly */
  gtk_check_button_set_active (GTK_CHECK_BUTTON (xp_test_get (wiz, "format-button")), TRUE);
  click (wiz, "next-button");
  g_assert_nonnull (strstr (text_of (wiz, "summary-label"), "permanently erased"));
  click (wiz, "back-button");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (xp_test_get (wiz, "reattach-button")), TRUE);
  click (wiz, "next-button");
  g_assert_nonnull (strstr (text_of (wiz, "summary-label"), "reattached"));
  g_assert_nonnull (strstr (text_of (wiz, "summary-label"), "nothing is formatted"));
  g_assert_null (strstr (text_of (wiz, "summary-label"), "erased"));
  create_and_wait (wiz, &fin);
  g_assert_null (fin.error);
  g_assert_nonnull (strstr (text_of (wiz, "status-label"), "reattached"));
  {
    g_autoptr(JsonObject) sr = sr_by_name (f, "wiz-reattach");

    /* the same SR: its uuid is kept */
    g_assert_cmpstr (json_object_get_string_member (sr, "uuid"), ==, OLD_ISCSI_SR);
    g_assert_cmpstr (json_object_get_string_member (sr, "type"), ==, "lvmoiscsi");
    g_assert_true (json_object_get_boolean_member (sr, "shared"));
    assert_pbds (f, sr, n_hosts, "SCSIid", LUN_OLD);
  }
  gtk_window_destroy (wiz);
  finished_clear (&fin);

  /* the SR is now in the pool: a second wizard will not attach it twice */
  wiz = iscsi_to_lun (f, "wiz-reattach-again", LUN_OLD, &fin);
  g_assert_nonnull (strstr (text_of (wiz, "existing-label"), "already attached"));
  g_assert_false (next_sensitive (wiz));
  g_assert_cmpstr (text_of (wiz, "hint-label"), ==, "The SR on this storage is already attached to the pool");
  gtk_window_destroy (wiz);
}

static void
test_reattach_failure (Fixture *f, gconstpointer data)
{
  Finished fin = { 0 };
  GtkWindow *wiz;
  guint srs, pbds;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(JsonNode) found = NULL;

  if (f->sim == NULL)
    return;
  srs = xapi_sim_raw_count (f->sim, "SR.get_all");
  pbds = xapi_sim_raw_count (f->sim, "PBD.get_all");
  wiz = iscsi_to_lun (f, "wiz-fail", LUN_OLD, &fin);
  g_assert_true (next_sensitive (wiz));
  click (wiz, "next-button");
  /* SR.introduce and PBD.create succeed, the first PBD.plug fails */
  reply = xapi_sim_control (f->sim, "/fail-next",
                            "{\"method\":\"PBD.plug\",\"error\":[\"SR_BACKEND_FAILURE_47\",\"\",\"The SR is not available\",\"\"],\"count\":1}");
  create_and_wait (wiz, &fin);
  g_assert_nonnull (fin.error);
  g_assert_null (fin.sr_ref);
  g_assert_nonnull (strstr (fin.error, "Nothing was left behind"));
  g_assert_nonnull (strstr (fin.error, "The SR is not available"));
  g_assert_cmpstr (text_of (wiz, "status-label"), ==, fin.error);
  /* the PBD was destroyed and the SR forgotten */
  g_assert_cmpuint (xapi_sim_raw_count (f->sim, "SR.get_all"), ==, srs);
  g_assert_cmpuint (xapi_sim_raw_count (f->sim, "PBD.get_all"), ==, pbds);
  found = xapi_sim_raw_result (f->sim, "SR.get_by_uuid", "\"" OLD_ISCSI_SR "\"");
  g_assert_null (found);
  gtk_window_destroy (wiz);
  finished_clear (&fin);
}

static void
record_status (GtkLabel   *label,
               GParamSpec *pspec,
               GPtrArray  *seen)
{
  g_ptr_array_add (seen, g_strdup (gtk_label_get_text (label)));
}

/* The last server the wizard attaches to is down: the PBDs already
 * plugged on the others are unplugged and destroyed, the SR forgotten. */
static void
test_reattach_host_down (Fixture *f, gconstpointer data)
{
  Finished fin = { 0 };
  GtkWindow *wiz;
  GListModel *hosts;
  g_autoptr(XapiHost) last = NULL;
  g_autofree char *mutate = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(JsonNode) found = NULL;
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  guint srs, pbds, n, connecting = 0;
  gboolean undoing = FALSE;

  if (f->sim == NULL)
    return;
  srs = xapi_sim_raw_count (f->sim, "SR.get_all");
  pbds = xapi_sim_raw_count (f->sim, "PBD.get_all");
  hosts = xapi_cache_get_objects (xapi_connection_get_cache (f->conn), XAPI_TYPE_HOST);
  n = g_list_model_get_n_items (hosts);
  g_assert_cmpuint (n, >=, 2);
  last = g_list_model_get_item (hosts, n - 1);
  mutate = g_strdup_printf ("{\"class\":\"host_metrics\",\"ref\":\"%s\",\"field\":\"live\",\"value\":false}",
                            xapi_host_get_metrics (last));
  reply = xapi_sim_control (f->sim, "/mutate", mutate);
  g_assert_nonnull (reply);
  wiz = iscsi_to_lun (f, "wiz-host-down", LUN_OLD, &fin);
  g_assert_true (next_sensitive (wiz));
  click (wiz, "next-button");
  g_signal_connect (xp_test_get (wiz, "status-label"), "notify::label", G_CALLBACK (record_status), seen);
  create_and_wait (wiz, &fin);
  g_assert_nonnull (fin.error);
  g_assert_nonnull (strstr (fin.error, "HOST_OFFLINE"));
  /* every server was reached, the last one failed, then the rest was undone */
  for (guint i = 0; i < seen->len; i++)
    {
      if (g_str_has_prefix (seen->pdata[i], "Connecting the storage to "))
        connecting++;
      if (g_str_has_prefix (seen->pdata[i], "Undoing"))
        undoing = TRUE;
    }
  g_assert_cmpuint (connecting, ==, n);
  g_assert_true (undoing);
  g_assert_nonnull (strstr (fin.error, "Nothing was left behind"));
  g_assert_cmpuint (xapi_sim_raw_count (f->sim, "SR.get_all"), ==, srs);
  g_assert_cmpuint (xapi_sim_raw_count (f->sim, "PBD.get_all"), ==, pbds);
  found = xapi_sim_raw_result (f->sim, "SR.get_by_uuid", "\"" OLD_ISCSI_SR "\"");
  g_assert_null (found);
  gtk_window_destroy (wiz);
  finished_clear (&fin);
}

static void
test_smb (Fixture *f, gconstpointer data)
{
  Finished fin = { 0 };
  GtkWindow *wiz;
  guint n_hosts;

  if (f->sim == NULL)
    return;
  n_hosts = xapi_sim_raw_count (f->sim, "host.get_all");
  wiz = to_location (f, "kind-smb", "wiz-smb", &fin);
  set_text (wiz, "server-entry", "fs01.lab.example/vms2");
  g_assert_cmpstr (text_of (wiz, "hint-label"), ==, "The share must look like //server/share, without spaces");
  set_text (wiz, "server-entry", "//fs01.lab.example/vms2");
  g_assert_cmpstr (text_of (wiz, "hint-label"), ==, "Scan the server to check the location");
  set_text (wiz, "user-entry", "xen");
  set_text (wiz, "password-entry", "wrong");
  scan (wiz);
  /* a readable refusal, and Next stays disabled */
  g_assert_nonnull (strstr (text_of (wiz, "probe-label"), "The scan failed"));
  g_assert_nonnull (strstr (text_of (wiz, "probe-label"), "Permission denied"));
  g_assert_false (next_sensitive (wiz));
  set_text (wiz, "password-entry", "smb-secret");
  g_assert_cmpstr (text_of (wiz, "probe-label"), ==, "");
  scan (wiz);
  g_assert_nonnull (strstr (text_of (wiz, "probe-label"), "No SR exists"));
  click (wiz, "next-button");
  g_assert_nonnull (strstr (text_of (wiz, "summary-label"), "//fs01.lab.example/vms2"));
  g_assert_null (strstr (text_of (wiz, "summary-label"), "smb-secret"));
  create_and_wait (wiz, &fin);
  g_assert_null (fin.error);
  {
    g_autoptr(JsonObject) sr = sr_by_name (f, "wiz-smb");

    g_assert_cmpstr (json_object_get_string_member (sr, "type"), ==, "smb");
    g_assert_true (json_object_get_boolean_member (sr, "shared"));
    assert_pbds (f, sr, n_hosts, "server", "//fs01.lab.example/vms2");
    assert_pbds (f, sr, n_hosts, "username", "xen");
    assert_pbds (f, sr, n_hosts, "password", "smb-secret");
  }
  gtk_window_destroy (wiz);
  finished_clear (&fin);

  /* //fs01.lab.example/vms holds an SMB SR: reattach it to every server */
  wiz = to_location (f, "kind-smb", "wiz-smb-old", &fin);
  set_text (wiz, "server-entry", "//fs01.lab.example/vms");
  set_text (wiz, "user-entry", "xen");
  set_text (wiz, "password-entry", "smb-secret");
  scan (wiz);
  g_assert_true (gtk_widget_get_visible (xp_test_get (wiz, "existing-box")));
  g_assert_nonnull (strstr (text_of (wiz, "existing-label"), "8d3f2b6c-1e4a-4c2b-b7d5-6a9e0f1c2d03"));
  click (wiz, "next-button");
  create_and_wait (wiz, &fin);
  g_assert_null (fin.error);
  {
    g_autoptr(JsonObject) sr = sr_by_name (f, "wiz-smb-old");

    g_assert_cmpstr (json_object_get_string_member (sr, "uuid"), ==, "8d3f2b6c-1e4a-4c2b-b7d5-6a9e0f1c2d03");
    assert_pbds (f, sr, n_hosts, "server", "//fs01.lab.example/vms");
  }
  gtk_window_destroy (wiz);
  finished_clear (&fin);

  /* an ISO library on a share */
  wiz = to_location (f, "kind-smb-iso", "wiz-smb-iso", &fin);
  set_text (wiz, "server-entry", "//fs01.lab.example/isos");
  set_text (wiz, "user-entry", "xen");
  set_text (wiz, "password-entry", "smb-secret");
  /* Enter in a field scans */
  g_signal_emit_by_name (xp_test_get (wiz, "password-entry"), "activate");
  g_assert_true (xapi_test_wait_for (probe_answered, wiz, TIMEOUT_MS));
  g_assert_nonnull (strstr (text_of (wiz, "probe-label"), "No SR exists"));
  click (wiz, "next-button");
  create_and_wait (wiz, &fin);
  g_assert_null (fin.error);
  {
    g_autoptr(JsonObject) sr = sr_by_name (f, "wiz-smb-iso");

    g_assert_cmpstr (json_object_get_string_member (sr, "type"), ==, "iso");
    g_assert_cmpstr (json_object_get_string_member (sr, "content_type"), ==, "iso");
    assert_pbds (f, sr, n_hosts, "location", "//fs01.lab.example/isos");
    assert_pbds (f, sr, n_hosts, "type", "cifs");
    assert_pbds (f, sr, n_hosts, "cifspassword", "smb-secret");
  }
  gtk_window_destroy (wiz);
  finished_clear (&fin);
}

static void
test_local_lvm (Fixture *f, gconstpointer data)
{
  Finished fin = { 0 };
  GtkWindow *wiz;
  GtkDropDown *hosts;
  g_autofree char *host_name = NULL;
  g_autofree char *arg = NULL;
  g_autoptr(JsonNode) host_refs = NULL;

  if (f->sim == NULL)
    return;
  wiz = to_location (f, "kind-lvm", "wiz-lvm", &fin);
  g_assert_false (gtk_widget_get_visible (gtk_widget_get_parent (xp_test_get (wiz, "server-entry"))));
  hosts = GTK_DROP_DOWN (xp_test_get (wiz, "host-dropdown"));
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (hosts)), >, 1);
  gtk_drop_down_set_selected (hosts, 1);
  host_name = g_strdup (gtk_string_object_get_string (gtk_drop_down_get_selected_item (hosts)));
  set_text (wiz, "device-entry", "sdb");
  g_assert_cmpstr (text_of (wiz, "hint-label"), ==, "The disk must be a device path such as /dev/sdb");
  set_text (wiz, "device-entry", "/dev/sdb");
  scan (wiz);
  g_assert_nonnull (strstr (text_of (wiz, "probe-label"), "No SR exists"));
  click (wiz, "next-button");
  g_assert_nonnull (strstr (text_of (wiz, "summary-label"), "will be formatted"));
  g_assert_nonnull (strstr (text_of (wiz, "summary-label"), host_name));
  create_and_wait (wiz, &fin);
  g_assert_null (fin.error);
  arg = g_strdup_printf ("\"%s\"", host_name);
  host_refs = xapi_sim_raw_result (f->sim, "host.get_by_name_label", arg);
  {
    g_autoptr(JsonObject) sr = sr_by_name (f, "wiz-lvm");
    g_autoptr(JsonObject) pbd = NULL;

    g_assert_cmpstr (json_object_get_string_member (sr, "type"), ==, "lvm");
    g_assert_false (json_object_get_boolean_member (sr, "shared"));
    assert_pbds (f, sr, 1, "device", "/dev/sdb");
    pbd = xapi_sim_raw_record (f->sim, "PBD", json_array_get_string_element (json_object_get_array_member (sr, "PBDs"), 0));
    g_assert_cmpstr (json_object_get_string_member (pbd, "host"), ==,
                     json_array_get_string_element (json_node_get_array (host_refs), 0));
  }
  gtk_window_destroy (wiz);
  finished_clear (&fin);

  /* /dev/sdc of that server holds an LVM SR: reattach it there */
  wiz = to_location (f, "kind-lvm", "wiz-lvm-old", &fin);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (xp_test_get (wiz, "host-dropdown")), 1);
  set_text (wiz, "device-entry", "/dev/sdc");
  scan (wiz);
  g_assert_true (gtk_widget_get_visible (xp_test_get (wiz, "existing-box")));
  click (wiz, "next-button");
  create_and_wait (wiz, &fin);
  g_assert_null (fin.error);
  {
    g_autoptr(JsonObject) sr = sr_by_name (f, "wiz-lvm-old");

    g_assert_false (json_object_get_boolean_member (sr, "shared"));
    g_assert_nonnull (strstr (text_of (wiz, "summary-label"), json_object_get_string_member (sr, "uuid")));
    assert_pbds (f, sr, 1, "device", "/dev/sdc");
  }
  gtk_window_destroy (wiz);
  finished_clear (&fin);
}

static void
test_local_ext (Fixture *f, gconstpointer data)
{
  Finished fin = { 0 };
  GtkWindow *wiz;

  if (f->sim == NULL)
    return;
  wiz = to_location (f, "kind-ext", "wiz-ext", &fin);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (xp_test_get (wiz, "host-dropdown")), 2);
  /* /dev/sdc holds an LVM SR, which the EXT backend does not recognise */
  set_text (wiz, "device-entry", "/dev/sdc");
  scan (wiz);
  g_assert_nonnull (strstr (text_of (wiz, "probe-label"), "No SR exists"));
  g_assert_false (gtk_widget_get_visible (xp_test_get (wiz, "existing-box")));
  click (wiz, "next-button");
  g_assert_nonnull (strstr (text_of (wiz, "summary-label"), "will be formatted"));
  create_and_wait (wiz, &fin);
  g_assert_null (fin.error);
  {
    g_autoptr(JsonObject) sr = sr_by_name (f, "wiz-ext");

    g_assert_cmpstr (json_object_get_string_member (sr, "type"), ==, "ext");
    g_assert_cmpstr (json_object_get_string_member (sr, "content_type"), ==, "user");
    g_assert_false (json_object_get_boolean_member (sr, "shared"));
    assert_pbds (f, sr, 1, "device", "/dev/sdc");
  }
  gtk_window_destroy (wiz);
  finished_clear (&fin);
}

/* Every control of the location page, for every kind, is named by a
 * visible label with a mnemonic (its accessible name and keyboard
 * shortcut), and the mnemonics of a page do not clash. */
static void
test_labels (Fixture *f, gconstpointer data)
{
  static const char *kinds[] = { "kind-vhd", "kind-iso", "kind-iscsi", "kind-smb", "kind-smb-iso", "kind-lvm",
                                 "kind-ext" };
  static const char *controls[] = { "server-entry", "path-entry", "user-entry", "password-entry", "host-dropdown",
                                    "device-entry" };
  Finished fin = { 0 };

  if (f->sim == NULL)
    return;
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      GtkWindow *wiz = to_location (f, kinds[k], "labels", &fin);
      g_autoptr(GHashTable) keys = g_hash_table_new (NULL, NULL);
      guint shown = 0;

      for (guint c = 0; c < G_N_ELEMENTS (controls); c++)
        {
          GtkWidget *w = xp_test_get (wiz, controls[c]);
          GList *labels;
          guint key;

          if (!gtk_widget_is_visible (w))
            continue;
          shown++;
          labels = gtk_widget_list_mnemonic_labels (w);
          g_assert_nonnull (labels);
          g_assert_true (gtk_widget_is_visible (labels->data));
          g_assert_cmpstr (gtk_label_get_text (labels->data), !=, "");
          key = gtk_label_get_mnemonic_keyval (labels->data);
          g_assert_cmpuint (key, !=, GDK_KEY_VoidSymbol);
          g_assert_false (g_hash_table_contains (keys, GUINT_TO_POINTER (gdk_keyval_to_lower (key))));
          g_hash_table_add (keys, GUINT_TO_POINTER (gdk_keyval_to_lower (key)));
          g_list_free (labels);
        }
      g_assert_cmpuint (shown, >=, 1);
      g_assert_true (gtk_widget_get_focusable (xp_test_get (wiz, "scan-button")));
      gtk_window_destroy (wiz);
    }
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add ("/new-sr/iscsi-create", Fixture, NULL, fixture_setup, test_iscsi_create, fixture_teardown);
  g_test_add ("/new-sr/iscsi-chap", Fixture, NULL, fixture_setup, test_iscsi_chap, fixture_teardown);
  g_test_add ("/new-sr/iscsi-reattach", Fixture, NULL, fixture_setup, test_iscsi_reattach, fixture_teardown);
  g_test_add ("/new-sr/reattach-failure", Fixture, NULL, fixture_setup, test_reattach_failure, fixture_teardown);
  g_test_add ("/new-sr/reattach-host-down", Fixture, NULL, fixture_setup, test_reattach_host_down, fixture_teardown);
  g_test_add ("/new-sr/smb", Fixture, NULL, fixture_setup, test_smb, fixture_teardown);
  g_test_add ("/new-sr/local-lvm", Fixture, NULL, fixture_setup, test_local_lvm, fixture_teardown);
  g_test_add ("/new-sr/local-ext", Fixture, NULL, fixture_setup, test_local_ext, fixture_teardown);
  g_test_add ("/new-sr/labels", Fixture, NULL, fixture_setup, test_labels, fixture_teardown);
  return g_test_run ();
}
