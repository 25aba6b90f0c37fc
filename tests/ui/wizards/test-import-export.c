/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Export and Import VM wizards driven through their widgets against
 * xapi-sim: files, refusals, faults half-way and cancel. */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "sim-fixture.h"
#include "../ui-util.h"
#include "xapi-cache.h"
#include "xapi-classes.h"
#include "xapi-transfer.h"
#include "xp-export-wizard.h"
#include "xp-import-wizard.h"

#define TIMEOUT_MS 30000

typedef struct {
  XapiSim        *sim;
  XapiConnection *conn;
  char           *dir;
} Fixture;

static gboolean
have_prerequisites (void)
{
  if (!xp_test_have_sim_and_display ())
    return FALSE;
  return TRUE;
}

static void
start (Fixture    *f,
       const char *time_scale)
{
  f->sim = xapi_sim_start ("--scenario", "demo", "--time-scale", time_scale, NULL);
  f->conn = xapi_test_connect_pinned (f->sim, NULL, "secret");
  f->dir = g_dir_make_tmp ("xp-xva-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  if (!have_prerequisites ())
    return;
  /* the cancel test needs seconds of streaming; the others run fast */
  start (f, data != NULL ? data : "0.02");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->conn, xapi_test_connection_close);
  g_clear_pointer (&f->sim, xapi_sim_stop);
  if (f->dir != NULL)
    {
      g_autoptr(GDir) d = g_dir_open (f->dir, 0, NULL);
      const char *n;

      while (d && (n = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *p = g_build_filename (f->dir, n, NULL);
          g_unlink (p);
        }
      g_rmdir (f->dir);
      g_clear_pointer (&f->dir, g_free);
    }
}

static const char *
label_text (GtkWindow  *win,
            const char *name)
{
  return gtk_label_get_text (GTK_LABEL (xp_test_get (win, name)));
}

static void
click (GtkWindow  *win,
       const char *name)
{
  GtkWidget *b = xp_test_get (win, name);

  g_assert_true (gtk_widget_get_sensitive (b));
  g_signal_emit_by_name (b, "clicked");
}

static void
set_text (GtkWindow  *win,
          const char *name,
          const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (xp_test_get (win, name)), text);
}

static gboolean
next_sensitive (GtkWindow *win)
{
  return gtk_widget_get_sensitive (xp_test_get (win, "next-button"));
}

static const char *
visible_page (GtkWindow *win)
{
  GtkWidget *stack = gtk_widget_get_first_child (gtk_window_get_child (win));

  return gtk_stack_get_visible_child_name (GTK_STACK (stack));
}

typedef struct {
  gboolean done;
  char    *ref;
  char    *error;
} Finished;

static void
on_finished (GtkWindow  *w,
             const char *ref,
             const char *error,
             Finished   *fin)
{
  fin->done = TRUE;
  fin->ref = g_strdup (ref);
  fin->error = g_strdup (error);
}

static void
finished_clear (Finished *fin)
{
  g_clear_pointer (&fin->ref, g_free);
  g_clear_pointer (&fin->error, g_free);
  fin->done = FALSE;
}

static gboolean
is_done (gpointer data)
{
  return ((Finished *) data)->done;
}

static XapiVm *
vm_named (XapiConnection *conn,
          const char     *name)
{
  GListModel *vms = xapi_cache_get_objects (xapi_connection_get_cache (conn), XAPI_TYPE_VM);

  for (guint i = 0; i < g_list_model_get_n_items (vms); i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);
      if (g_strcmp0 (xapi_vm_get_name_label (vm), name) == 0 && !xapi_object_is_gone (XAPI_OBJECT (vm)))
        return vm;   /* the cache keeps it alive */
    }
  return NULL;
}

/* VMs of that name on the server itself (not the cache). */
static guint
server_vms_named (Fixture    *f,
                  const char *name)
{
  g_autofree char *s = xapi_sim_raw_login (f->sim);
  g_autofree char *params = g_strdup_printf ("[\"%s\",\"%s\"]", s, name);
  g_autoptr(JsonNode) reply = xapi_sim_raw_call (f->sim, NULL, "VM.get_by_name_label", params);

  return json_array_get_length (json_object_get_array_member (json_node_get_object (reply), "result"));
}

static char *
dir_listing (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  GString *out = g_string_new (NULL);
  const char *n;

  while (d && (n = g_dir_read_name (d)) != NULL)
    g_string_append_printf (out, "%s%s", out->len ? " " : "", n);
  return g_string_free (out, FALSE);
}

/* Opens the export wizard for @name and goes to the file page. */
static GtkWindow *
export_wizard_at_file (Fixture    *f,
                       const char *name,
                       Finished   *fin)
{
  XapiVm *vm = vm_named (f->conn, name);
  GtkWindow *win;

  g_assert_nonnull (vm);
  win = xp_export_wizard_new (NULL, vm);
  g_signal_connect (win, "finished", G_CALLBACK (on_finished), fin);
  gtk_window_present (win);
  g_assert_cmpstr (visible_page (win), ==, "vm");
  click (win, "next-button");
  g_assert_cmpstr (visible_page (win), ==, "file");
  return win;
}

static char *
export_to (Fixture    *f,
           const char *vm,
           const char *file)
{
  Finished fin = { 0 };
  g_autofree char *path = g_build_filename (f->dir, file, NULL);
  GtkWindow *win = export_wizard_at_file (f, vm, &fin);

  set_text (win, "file-entry", path);
  click (win, "next-button");
  click (win, "next-button");
  g_assert_true (xapi_test_wait_for (is_done, &fin, TIMEOUT_MS));
  g_assert_null (fin.error);
  finished_clear (&fin);
  gtk_window_destroy (win);
  return g_steal_pointer (&path);
}

static void
test_export (Fixture       *f,
             gconstpointer  data)
{
  Finished fin = { 0 };
  g_autofree char *path = NULL;
  g_autofree char *blocker = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(XapiXvaInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *listing = NULL;
  GtkWindow *win;

  if (f->sim == NULL)
    return;
  win = export_wizard_at_file (f, "fileserver", &fin);

  /* validated as it is typed, the reason shown */
  g_assert_false (next_sensitive (win));
  g_assert_cmpstr (label_text (win, "hint-label"), ==, "Choose where to save the file");
  set_text (win, "file-entry", "fileserver.xva");
  g_assert_cmpstr (label_text (win, "hint-label"), ==, "Enter a full path, starting with /");
  path = g_build_filename (f->dir, "fileserver.txt", NULL);
  set_text (win, "file-entry", path);
  g_assert_cmpstr (label_text (win, "hint-label"), ==, "The file name must end in .xva");
  g_free (path);
  path = g_build_filename (f->dir, "missing", "fileserver.xva", NULL);
  set_text (win, "file-entry", path);
  g_assert_cmpstr (label_text (win, "hint-label"), ==, "The folder does not exist");
  set_text (win, "file-entry", f->dir);
  g_assert_cmpstr (label_text (win, "hint-label"), ==, "That is a folder: add a file name");
  g_free (path);
  path = g_build_filename (f->dir, "fileserver.xva", NULL);
  set_text (win, "file-entry", path);
  g_assert_true (next_sensitive (win));
  g_assert_cmpstr (label_text (win, "hint-label"), ==, "");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (xp_test_get (win, "compression-dropdown")), XAPI_XVA_COMPRESSION_GZIP);
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (xp_test_get (win, "verify-check"))));

  click (win, "next-button");
  g_assert_cmpstr (visible_page (win), ==, "summary");
  g_assert_nonnull (strstr (label_text (win, "summary-label"), "“fileserver”"));
  g_assert_nonnull (strstr (label_text (win, "summary-label"), path));
  g_assert_nonnull (strstr (label_text (win, "summary-label"), "gzip"));
  click (win, "next-button");
  g_assert_cmpstr (visible_page (win), ==, "progress");
  g_assert_false (gtk_widget_get_visible (xp_test_get (win, "next-button")));
  g_assert_true (xapi_test_wait_for (is_done, &fin, TIMEOUT_MS));
  g_assert_null (fin.error);
  g_assert_nonnull (strstr (label_text (win, "status-label"), "every checksum matches"));

  /* a valid XVA whose ova.xml names the VM, and nothing else in the folder */
  file = g_file_new_for_path (path);
  info = xapi_xva_verify (file, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->vm_name, ==, "fileserver");
  g_assert_cmpuint (info->n_disks, >=, 1);
  listing = dir_listing (f->dir);
  g_assert_cmpstr (listing, ==, "fileserver.xva");

  /* Close */
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (xp_test_get (win, "cancel-button"))), ==, "_Close");
  finished_clear (&fin);
  gtk_window_destroy (win);

  /* a running VM: Next stays disabled, and why */
  win = xp_export_wizard_new (NULL, vm_named (f->conn, "web-01"));
  gtk_window_present (win);
  g_assert_false (next_sensitive (win));
  blocker = g_strdup (label_text (win, "hint-label"));
  g_assert_cmpstr (blocker, ==, "Shut the VM down first: only a halted VM can be exported");
  g_assert_nonnull (strstr (label_text (win, "state-label"), "running"));
  gtk_window_destroy (win);
}

/* The server refuses: the VM started behind the wizard's back. */
static void
test_export_refused (Fixture       *f,
                     gconstpointer  data)
{
  Finished fin = { 0 };
  g_autofree char *path = NULL;
  g_autofree char *body = NULL;
  g_autofree char *listing = NULL;
  XapiVm *vm;
  GtkWindow *win;

  if (f->sim == NULL)
    return;
  vm = vm_named (f->conn, "legacy-erp");
  win = export_wizard_at_file (f, "legacy-erp", &fin);
  path = g_build_filename (f->dir, "erp.xva", NULL);
  set_text (win, "file-entry", path);
  click (win, "next-button");
  /* no main loop iteration between this and the click: the wizard still
   * believes the VM halted */
  body = g_strdup_printf ("{\"class\":\"VM\",\"ref\":\"%s\",\"field\":\"power_state\",\"value\":\"Running\"}",
                          xapi_object_get_ref (XAPI_OBJECT (vm)));
  json_node_unref (xapi_sim_control (f->sim, "/mutate", body));
  click (win, "next-button");
  g_assert_true (xapi_test_wait_for (is_done, &fin, TIMEOUT_MS));
  g_assert_null (fin.ref);
  g_assert_nonnull (fin.error);
  g_assert_nonnull (strstr (fin.error, "refused"));
  g_assert_nonnull (strstr (fin.error, "halted"));
  g_assert_nonnull (strstr (fin.error, "No file was written"));
  g_assert_cmpstr (label_text (win, "status-label"), ==, fin.error);
  listing = dir_listing (f->dir);
  g_assert_cmpstr (listing, ==, "");
  finished_clear (&fin);
  gtk_window_destroy (win);
}

static void
test_export_fault (Fixture       *f,
                   gconstpointer  data)
{
  Finished fin = { 0 };
  g_autofree char *path = NULL;
  g_autofree char *listing = NULL;
  GtkWindow *win;

  if (f->sim == NULL)
    return;
  json_node_unref (xapi_sim_control (f->sim, "/fail-next",
                                     "{\"method\":\"VM.export\",\"error\":[\"SR_BACKEND_FAILURE_46\",\"\",\"read error\"]}"));
  win = export_wizard_at_file (f, "fileserver", &fin);
  path = g_build_filename (f->dir, "half.xva", NULL);
  set_text (win, "file-entry", path);
  click (win, "next-button");
  click (win, "next-button");
  g_assert_true (xapi_test_wait_for (is_done, &fin, TIMEOUT_MS));
  g_assert_nonnull (fin.error);
  g_assert_nonnull (strstr (fin.error, "SR_BACKEND_FAILURE_46"));
  g_assert_nonnull (strstr (fin.error, "No file was written"));
  listing = dir_listing (f->dir);
  g_assert_cmpstr (listing, ==, "");   /* no partial file, no temporary */
  g_assert_true (gtk_widget_get_sensitive (xp_test_get (win, "cancel-button")));
  finished_clear (&fin);
  gtk_window_destroy (win);
}

static GtkWindow *
import_wizard (Fixture  *f,
               Finished *fin)
{
  GtkWindow *win = xp_import_wizard_new (NULL, f->conn);

  g_signal_connect (win, "finished", G_CALLBACK (on_finished), fin);
  gtk_window_present (win);
  return win;
}

static guint
dropdown_index (GtkWindow  *win,
                const char *name,
                const char *prefix)
{
  GListModel *m = gtk_drop_down_get_model (GTK_DROP_DOWN (xp_test_get (win, name)));

  for (guint i = 0; i < g_list_model_get_n_items (m); i++)
    if (g_str_has_prefix (gtk_string_list_get_string (GTK_STRING_LIST (m), i), prefix))
      return i;
  g_assert_not_reached ();
}

static gboolean
has_affinity (gpointer data)
{
  const char *ref = xapi_vm_get_affinity (data);

  return ref != NULL && g_strcmp0 (ref, "OpaqueRef:NULL") != 0;
}

static void
test_import (Fixture       *f,
             gconstpointer  data)
{
  Finished fin = { 0 };
  g_autofree char *xva = NULL;
  g_autofree char *bogus = NULL;
  g_autofree char *missing = NULL;
  XapiCache *cache;
  XapiObject *vm, *host, *sr;
  g_autoptr(GPtrArray) vbds = NULL;
  GtkWindow *win;
  guint before, disks = 0;
  const char *host_name;

  if (f->sim == NULL)
    return;
  cache = xapi_connection_get_cache (f->conn);
  xva = export_to (f, "fileserver", "fileserver.xva");
  before = server_vms_named (f, "fileserver");

  win = import_wizard (f, &fin);
  g_assert_cmpstr (visible_page (win), ==, "file");
  g_assert_false (next_sensitive (win));
  g_assert_cmpstr (label_text (win, "hint-label"), ==, "Choose the XVA file to import");
  missing = g_build_filename (f->dir, "nope.xva", NULL);
  set_text (win, "file-entry", missing);
  g_assert_cmpstr (label_text (win, "hint-label"), ==, "The file does not exist");
  bogus = g_build_filename (f->dir, "notes.xva", NULL);
  g_assert_true (g_file_set_contents (bogus, "just some notes", -1, NULL));
  set_text (win, "file-entry", bogus);
  g_assert_cmpstr (label_text (win, "hint-label"), ==, "This is not an XVA file (it does not start with ova.xml)");
  set_text (win, "file-entry", xva);
  g_assert_true (next_sensitive (win));

  click (win, "next-button");
  g_assert_cmpstr (visible_page (win), ==, "target");
  /* the pool's default SR is preselected */
  g_assert_true (g_str_has_prefix (gtk_string_list_get_string (
      GTK_STRING_LIST (gtk_drop_down_get_model (GTK_DROP_DOWN (xp_test_get (win, "sr-dropdown")))),
      gtk_drop_down_get_selected (GTK_DROP_DOWN (xp_test_get (win, "sr-dropdown")))), "NFS VM storage"));
  /* a home server narrows the SRs to those it reaches: its local storage */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (xp_test_get (win, "host-dropdown")), 2);
  host_name = gtk_string_list_get_string (
      GTK_STRING_LIST (gtk_drop_down_get_model (GTK_DROP_DOWN (xp_test_get (win, "host-dropdown")))), 2);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (xp_test_get (win, "sr-dropdown")),
                              dropdown_index (win, "sr-dropdown", "Local storage"));
  g_assert_true (next_sensitive (win));
  click (win, "next-button");
  g_assert_cmpstr (visible_page (win), ==, "summary");
  g_assert_nonnull (strstr (label_text (win, "summary-label"), "Local storage"));
  g_assert_nonnull (strstr (label_text (win, "summary-label"), host_name));
  click (win, "next-button");
  g_assert_true (xapi_test_wait_for (is_done, &fin, TIMEOUT_MS));
  g_assert_null (fin.error);
  g_assert_nonnull (fin.ref);

  /* the new VM: in the cache already (the wizard waited for it), halted,
   * its disks on the chosen SR, its home server set */
  vm = xapi_cache_lookup (cache, fin.ref);
  g_assert_nonnull (vm);
  g_assert_cmpstr (xapi_vm_get_name_label (XAPI_VM (vm)), ==, "fileserver");
  g_assert_cmpint (xapi_vm_get_power_state (XAPI_VM (vm)), ==, XAPI_VM_POWER_STATE_HALTED);
  g_assert_cmpuint (server_vms_named (f, "fileserver"), ==, before + 1);
  g_assert_true (xapi_test_wait_for (has_affinity, vm, TIMEOUT_MS));   /* by a later event */
  host = xapi_cache_follow (cache, vm, "affinity");
  g_assert_nonnull (host);
  g_assert_cmpstr (xapi_host_get_name_label (XAPI_HOST (host)), ==, host_name);
  vbds = xapi_cache_follow_set (cache, vm, "VBDs");
  for (guint i = 0; i < vbds->len; i++)
    {
      XapiObject *vdi = xapi_cache_follow (cache, vbds->pdata[i], "VDI");
      if (vdi == NULL)
        continue;
      sr = xapi_cache_follow (cache, vdi, "SR");
      g_assert_nonnull (sr);
      g_assert_cmpstr (xapi_sr_get_name_label (XAPI_SR (sr)), ==, "Local storage");
      disks++;
    }
  g_assert_cmpuint (disks, >=, 1);
  g_assert_nonnull (strstr (label_text (win, "status-label"), "was imported"));
  finished_clear (&fin);
  gtk_window_destroy (win);
}

static void
test_import_fault (Fixture       *f,
                   gconstpointer  data)
{
  Finished fin = { 0 };
  g_autofree char *xva = NULL;
  GtkWindow *win;
  guint before;

  if (f->sim == NULL)
    return;
  xva = export_to (f, "fileserver", "fileserver.xva");
  before = server_vms_named (f, "fileserver");
  json_node_unref (xapi_sim_control (f->sim, "/fail-next",
                                     "{\"method\":\"VM.import\",\"error\":[\"SR_BACKEND_FAILURE_44\",\"\",\"no space\"]}"));
  win = import_wizard (f, &fin);
  set_text (win, "file-entry", xva);
  click (win, "next-button");
  click (win, "next-button");
  click (win, "next-button");
  g_assert_true (xapi_test_wait_for (is_done, &fin, TIMEOUT_MS));
  g_assert_null (fin.ref);
  g_assert_nonnull (fin.error);
  g_assert_nonnull (strstr (fin.error, "SR_BACKEND_FAILURE_44"));
  g_assert_nonnull (strstr (fin.error, "Nothing was imported"));
  g_assert_cmpuint (server_vms_named (f, "fileserver"), ==, before);   /* no half-imported VM */
  finished_clear (&fin);
  gtk_window_destroy (win);
}

static gboolean
export_streaming (gpointer data)
{
  return g_str_has_prefix (label_text (data, "status-label"), "Exporting…");
}

static gboolean
vm_unlocked (gpointer data)
{
  return g_hash_table_size (xapi_vm_get_current_operations (data)) == 0;
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  Finished fin = { 0 };
  g_autofree char *path = NULL;
  g_autofree char *listing = NULL;
  GtkWindow *win;

  if (f->sim == NULL)
    return;
  win = export_wizard_at_file (f, "fileserver", &fin);
  path = g_build_filename (f->dir, "cancelled.xva", NULL);
  set_text (win, "file-entry", path);
  click (win, "next-button");
  click (win, "next-button");
  /* data is flowing: cancel half-way */
  g_assert_true (xapi_test_wait_for (export_streaming, win, TIMEOUT_MS));
  g_assert_false (fin.done);
  click (win, "cancel-button");
  g_assert_true (xapi_test_wait_for (is_done, &fin, TIMEOUT_MS));
  g_assert_cmpstr (fin.error, ==, "Cancelled. No file was written.");
  listing = dir_listing (f->dir);
  g_assert_cmpstr (listing, ==, "");
  /* the server's export ended too */
  g_assert_true (xapi_test_wait_for (vm_unlocked, vm_named (f->conn, "fileserver"), TIMEOUT_MS));
  finished_clear (&fin);
  gtk_window_destroy (win);
}

typedef struct {
  Fixture *f;
  guint    want;
} CountWait;

static gboolean
server_count_is (gpointer data)
{
  CountWait *w = data;

  return server_vms_named (w->f, "fileserver") == w->want;
}

/* Cancelled while the server builds the VM: the half-made VM goes away. */
static void
test_import_cancel (Fixture       *f,
                    gconstpointer  data)
{
  Finished fin = { 0 };
  g_autofree char *xva = NULL;
  GtkWindow *win;
  CountWait w = { f, 0 };

  if (f->sim == NULL)
    return;
  xva = export_to (f, "fileserver", "fileserver.xva");
  w.want = server_vms_named (f, "fileserver") + 1;
  win = import_wizard (f, &fin);
  set_text (win, "file-entry", xva);
  click (win, "next-button");
  click (win, "next-button");
  click (win, "next-button");
  g_assert_true (xapi_test_wait_for (server_count_is, &w, TIMEOUT_MS));
  g_assert_false (fin.done);
  click (win, "cancel-button");
  g_assert_true (xapi_test_wait_for (is_done, &fin, TIMEOUT_MS));
  g_assert_null (fin.ref);
  g_assert_nonnull (fin.error);
  g_assert_true (g_str_has_prefix (fin.error, "Cancelled. Nothing was imported"));
  w.want--;
  g_assert_true (xapi_test_wait_for (server_count_is, &w, TIMEOUT_MS));
  finished_clear (&fin);
  gtk_window_destroy (win);
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add ("/xva/export", Fixture, NULL, fixture_setup, test_export, fixture_teardown);
  g_test_add ("/xva/export-refused", Fixture, NULL, fixture_setup, test_export_refused, fixture_teardown);
  g_test_add ("/xva/export-fault", Fixture, NULL, fixture_setup, test_export_fault, fixture_teardown);
  g_test_add ("/xva/import", Fixture, NULL, fixture_setup, test_import, fixture_teardown);
  g_test_add ("/xva/import-fault", Fixture, NULL, fixture_setup, test_import_fault, fixture_teardown);
  g_test_add ("/xva/cancel", Fixture, "1.0", fixture_setup, test_cancel, fixture_teardown);
  g_test_add ("/xva/import-cancel", Fixture, "1.0", fixture_setup, test_import_cancel, fixture_teardown);
  return g_test_run ();
}
