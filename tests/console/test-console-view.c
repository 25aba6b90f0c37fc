/* test-console-view.c: XpConsoleView against xapi-sim's consoles, under a private Xvfb
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The simulator draws a pattern derived from each VM's uuid into that VM's
 * console (background 0x202020 | (h & 0x3f3f3f), eight stripes, with
 * h = g_str_hash (uuid); bytes R,G,B in memory) and logs the keys its
 * console receives (GET /keys?vm=<ref> on the control endpoint).
 */

#include "config.h"

#include <adwaita.h>
#include <gtk/gtk.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "sim-fixture.h"
#include "xapi-cache.h"
#include "xapi-classes.h"
#include "xapi-connection.h"
#include "xapi-console-tunnel.h"
#include "xp-console-view.h"

#define WAIT_MS 20000

typedef struct {
  XapiSim        *sim;
  XapiConnection *conn;
  XapiCache      *cache;
  GtkWindow      *window;
  XpConsoleView  *view;
  guint           n_connected;
} Fixture;

static void
on_connected (XpVncDisplay *display,
              Fixture      *f)
{
  f->n_connected++;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;

  if (xapi_sim_path () == NULL)
    return;
  /* every host its own certificate, as in a real pool */
  f->sim = xapi_sim_start ("--scenario", "demo", "--time-scale", "0.01", "--per-host-certificates", NULL);
  f->conn = xapi_connection_new (f->sim->url, "root");
  xapi_connection_set_password (f->conn, "any");
  xapi_connection_set_pinned_fingerprint (f->conn, f->sim->fingerprint);
  xapi_connection_open_async (f->conn, NULL, xapi_test_store_result, &result);
  xapi_test_wait_result (&result, WAIT_MS);
  g_assert_true (xapi_connection_open_finish (f->conn, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  f->cache = xapi_connection_get_cache (f->conn);

  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 800, 600);
  f->view = XP_CONSOLE_VIEW (xp_console_view_new ());
  gtk_window_set_child (f->window, GTK_WIDGET (f->view));
  g_signal_connect (xp_console_view_get_display (f->view), "connected", G_CALLBACK (on_connected), f);
  gtk_window_present (f->window);
}

static gboolean
no_bridges (gpointer data)
{
  return xapi_console_tunnel_get_n_bridges () == 0;
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;

  if (f->sim == NULL)
    return;
  gtk_window_destroy (f->window);
  g_assert_true (xapi_test_wait_for (no_bridges, NULL, WAIT_MS));
  xapi_connection_close_async (f->conn, NULL, xapi_test_store_result, &result);
  xapi_test_wait_result (&result, WAIT_MS);
  xapi_connection_close_finish (f->conn, result, &error);
  g_clear_object (&result);
  g_clear_object (&f->conn);
  xapi_sim_stop (f->sim);
}

static gboolean
skip_without_sim (Fixture *f)
{
  if (f->sim != NULL)
    return FALSE;
  g_test_skip ("xapi-sim not built (XAPI_SIM unset)");
  return TRUE;
}

/* A VM of the demo pool in @state, not a control domain; on the master when
 * @on_master, on another host otherwise (running VMs only). */
static XapiVm *
find_vm (Fixture          *f,
         XapiVmPowerState  state,
         gboolean          on_master)
{
  GListModel *vms = xapi_cache_get_objects (f->cache, XAPI_TYPE_VM);
  const char *master = xapi_object_get_ref (xapi_cache_get_master (f->cache));

  for (guint i = 0; i < g_list_model_get_n_items (vms); i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);

      if (xapi_vm_get_is_control_domain (vm) || xapi_vm_get_is_a_template (vm) ||
          xapi_vm_get_is_a_snapshot (vm) || xapi_vm_get_power_state (vm) != state)
        continue;
      if (state == XAPI_VM_POWER_STATE_RUNNING &&
          (g_strcmp0 (xapi_vm_get_resident_on (vm), master) == 0) != on_master)
        continue;
      return vm;   /* the cache keeps it alive */
    }
  return NULL;
}

static guint32
pattern_background (const char *uuid)
{
  return 0x202020 | (g_str_hash (uuid) & 0x3f3f3f);
}

static guint32
pattern_stripe (const char *uuid,
                int         i)
{
  return ((g_str_hash (uuid) >> (i * 3)) * 0x9e3779b1u) & 0xffffff;
}

/* Pixel (x, y) of downloaded texture pixels (native ARGB32) as 0xRRGGBB. */
static guint32
pixel_rgb (const guint32 *data,
           int            width,
           int            x,
           int            y)
{
  return data[(gsize) y * width + x] & 0xffffff;
}

typedef struct {
  Fixture    *f;
  const char *uuid;
} PatternCheck;

/* @view shows its console, and the console the pattern of @uuid. */
static gboolean
view_shows_pattern (XpConsoleView *view,
                    const char    *uuid)
{
  XpVncDisplay *display = xp_console_view_get_display (view);
  g_autofree guint32 *data = NULL;
  GdkTexture *texture;
  int w, h;

  if (g_strcmp0 (xp_console_view_get_page (view), "console") != 0 ||
      !xp_vnc_display_get_connected (display))
    return FALSE;
  texture = xp_vnc_display_get_texture (display);
  if (texture == NULL || gdk_texture_get_width (texture) != 640)
    return FALSE;
  w = gdk_texture_get_width (texture);
  h = gdk_texture_get_height (texture);
  data = g_new (guint32, (gsize) w * h);
  gdk_texture_download (texture, (guint8 *) data, (gsize) w * 4);
  if (pixel_rgb (data, w, 5, 5) != pattern_background (uuid))
    return FALSE;
  for (int i = 0; i < 8; i++)
    if (pixel_rgb (data, w, i * 80 + 30, 70) != pattern_stripe (uuid, i))
      return FALSE;
  return TRUE;
}

static gboolean
shows_pattern (gpointer data)
{
  PatternCheck *pc = data;

  return view_shows_pattern (pc->f->view, pc->uuid);
}

static void
assert_shows_vm (Fixture    *f,
                 XapiObject *vm)
{
  PatternCheck pc = { f, xapi_object_get_uuid (vm) };

  g_assert_true (xapi_test_wait_for (shows_pattern, &pc, WAIT_MS));
}

static void
test_running_vm (Fixture       *f,
                 gconstpointer  data)
{
  XapiVm *vm, *other;
  PatternCheck pc;

  if (skip_without_sim (f))
    return;
  vm = find_vm (f, XAPI_VM_POWER_STATE_RUNNING, TRUE);
  g_assert_nonnull (vm);
  xp_console_view_set_object (f->view, XAPI_OBJECT (vm));
  g_assert_true (xp_console_view_get_object (f->view) == XAPI_OBJECT (vm));
  assert_shows_vm (f, XAPI_OBJECT (vm));

  /* Another VM's pattern differs: the check above is specific. */
  other = find_vm (f, XAPI_VM_POWER_STATE_RUNNING, FALSE);
  g_assert_nonnull (other);
  pc = (PatternCheck) { f, xapi_object_get_uuid (XAPI_OBJECT (other)) };
  g_assert_false (shows_pattern (&pc));

  /* No object: the status page, and the console is closed. */
  xp_console_view_set_object (f->view, NULL);
  g_assert_cmpstr (xp_console_view_get_page (f->view), ==, "status");
  g_assert_null (xp_console_view_get_location (f->view));
  g_assert_false (xp_vnc_display_get_connected (xp_console_view_get_display (f->view)));
}

typedef struct {
  Fixture    *f;
  const char *vm_ref;
  guint32     keysyms[4];
  guint       n;
} KeyCheck;

/* The simulator's console received a press of each of @keysyms. */
static gboolean
keys_arrived (gpointer data)
{
  KeyCheck *kc = data;
  g_autofree char *path = g_strdup_printf ("/keys?vm=%s", kc->vm_ref);
  g_autoptr(JsonNode) reply = xapi_sim_control (kc->f->sim, path, NULL);
  JsonArray *events = json_object_get_array_member (json_node_get_object (reply), "events");

  for (guint k = 0; k < kc->n; k++)
    {
      gboolean found = FALSE;

      for (guint i = 0; i < json_array_get_length (events) && !found; i++)
        {
          JsonObject *ev = json_array_get_object_element (events, i);
          found = g_strcmp0 (json_object_get_string_member (ev, "type"), "key") == 0 &&
                  json_object_get_boolean_member (ev, "down") &&
                  json_object_get_int_member (ev, "keysym") == kc->keysyms[k];
        }
      if (!found)
        return FALSE;
    }
  return TRUE;
}

static void
test_keys (Fixture       *f,
           gconstpointer  data)
{
  XapiVm *vm;
  XpVncDisplay *display;
  KeyCheck kc;

  if (skip_without_sim (f))
    return;
  vm = find_vm (f, XAPI_VM_POWER_STATE_RUNNING, TRUE);
  xp_console_view_set_object (f->view, XAPI_OBJECT (vm));
  assert_shows_vm (f, XAPI_OBJECT (vm));
  display = xp_console_view_get_display (f->view);

  kc = (KeyCheck) { f, xapi_object_get_ref (XAPI_OBJECT (vm)), { 'x', 'P' }, 2 };
  g_assert_false (keys_arrived (&kc));
  xp_vnc_display_type_text (display, "xP");
  g_assert_true (xapi_test_wait_for (keys_arrived, &kc, WAIT_MS));

  /* Ctrl+Alt+Del as the toolbar button sends it. */
  kc = (KeyCheck) { f, xapi_object_get_ref (XAPI_OBJECT (vm)), { 0xffe3, 0xffe9, 0xffff }, 3 };
  xp_vnc_display_send_ctrl_alt_del (display);
  g_assert_true (xapi_test_wait_for (keys_arrived, &kc, WAIT_MS));
}

typedef struct {
  Fixture *f;
  guint    n;
} ConnectedCount;

static gboolean
connected_again (gpointer data)
{
  ConnectedCount *cc = data;
  return cc->f->n_connected > cc->n;
}

static void
test_reboot (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  ConnectedCount cc;
  XapiVm *vm;
  gint64 domid;

  if (skip_without_sim (f))
    return;
  vm = find_vm (f, XAPI_VM_POWER_STATE_RUNNING, TRUE);
  xp_console_view_set_object (f->view, XAPI_OBJECT (vm));
  assert_shows_vm (f, XAPI_OBJECT (vm));
  cc = (ConnectedCount) { f, f->n_connected };
  domid = xapi_vm_get_domid (vm);

  xapi_vm_clean_reboot_async (f->conn, xapi_object_get_ref (XAPI_OBJECT (vm)), NULL,
                              xapi_test_store_result, &result);
  xapi_test_wait_result (&result, WAIT_MS);
  g_assert_true (xapi_vm_clean_reboot_finish (f->conn, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  /* A new domain: the view opened the console again. */
  g_assert_true (xapi_test_wait_for (connected_again, &cc, WAIT_MS));
  g_assert_cmpint (xapi_vm_get_domid (vm), !=, domid);
  assert_shows_vm (f, XAPI_OBJECT (vm));
}

static gboolean
shows_disconnected (gpointer data)
{
  Fixture *f = data;

  return g_strcmp0 (xp_console_view_get_page (f->view), "status") == 0;
}

static void
test_dropped (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(JsonNode) reply = NULL;
  ConnectedCount cc;
  XapiVm *vm;

  if (skip_without_sim (f))
    return;
  vm = find_vm (f, XAPI_VM_POWER_STATE_RUNNING, TRUE);
  xp_console_view_set_object (f->view, XAPI_OBJECT (vm));
  assert_shows_vm (f, XAPI_OBJECT (vm));
  cc = (ConnectedCount) { f, f->n_connected };

  /* The server drops every connection, the console tunnel included: a
   * status page, then the view opens the console again by itself. */
  reply = xapi_sim_control (f->sim, "/drop-connections", "{}");
  g_assert_true (xapi_test_wait_for (shows_disconnected, f, WAIT_MS));
  g_assert_true (xapi_test_wait_for (connected_again, &cc, WAIT_MS));
  assert_shows_vm (f, XAPI_OBJECT (vm));
}

static void
test_member_host (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GUri) location = NULL;
  g_autoptr(GUri) master = NULL;
  XapiVm *vm;
  XapiObject *host;
  gboolean member_address = FALSE;

  if (skip_without_sim (f))
    return;
  vm = find_vm (f, XAPI_VM_POWER_STATE_RUNNING, FALSE);
  g_assert_nonnull (vm);
  host = xapi_cache_follow (f->cache, XAPI_OBJECT (vm), "resident_on");
  g_assert_nonnull (host);
  xp_console_view_set_object (f->view, XAPI_OBJECT (vm));
  assert_shows_vm (f, XAPI_OBJECT (vm));

  /* Reached through the member's own address, not the master's. */
  location = g_uri_parse (xp_console_view_get_location (f->view), G_URI_FLAGS_NONE, NULL);
  master = g_uri_parse (f->sim->url, G_URI_FLAGS_NONE, NULL);
  g_assert_nonnull (location);
  g_assert_cmpstr (g_uri_get_host (location), ==, xapi_host_get_address (XAPI_HOST (host)));
  g_assert_cmpstr (g_uri_get_host (location), !=, g_uri_get_host (master));
  for (guint i = 0; i < f->sim->member_urls->len; i++)
    {
      g_autoptr(GUri) member = g_uri_parse (g_ptr_array_index (f->sim->member_urls, i), G_URI_FLAGS_NONE, NULL);
      member_address |= g_strcmp0 (g_uri_get_host (member), g_uri_get_host (location)) == 0;
    }
  g_assert_true (member_address);

  /* ... which serves a certificate of its own: the view trusted the member's. */
  {
    g_autofree char *url = g_strdup_printf ("https://%s:%d", g_uri_get_host (location), g_uri_get_port (location));
    g_autofree char *served = xapi_sim_fetch_fingerprint (f->sim, url);

    g_assert_cmpstr (served, !=, f->sim->fingerprint);
  }
}

typedef struct {
  Fixture    *f;
  const char *host;
} LocationCheck;

static gboolean
location_on_host (gpointer data)
{
  LocationCheck *lc = data;
  const char *location = xp_console_view_get_location (lc->f->view);
  g_autoptr(GUri) uri = location ? g_uri_parse (location, G_URI_FLAGS_NONE, NULL) : NULL;

  return uri != NULL && g_strcmp0 (g_uri_get_host (uri), lc->host) == 0;
}

static void
test_migrate (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) options = g_hash_table_new (g_str_hash, g_str_equal);
  GAsyncResult *result = NULL;
  XapiVm *vm, *elsewhere;
  XapiObject *target;
  LocationCheck lc;
  ConnectedCount cc;

  if (skip_without_sim (f))
    return;
  vm = find_vm (f, XAPI_VM_POWER_STATE_RUNNING, TRUE);
  elsewhere = find_vm (f, XAPI_VM_POWER_STATE_RUNNING, FALSE);
  target = xapi_cache_follow (f->cache, XAPI_OBJECT (elsewhere), "resident_on");
  g_assert_nonnull (target);
  xp_console_view_set_object (f->view, XAPI_OBJECT (vm));
  assert_shows_vm (f, XAPI_OBJECT (vm));
  cc = (ConnectedCount) { f, f->n_connected };

  xapi_vm_pool_migrate_async (f->conn, xapi_object_get_ref (XAPI_OBJECT (vm)),
                              xapi_object_get_ref (target), options, NULL,
                              xapi_test_store_result, &result);
  xapi_test_wait_result (&result, WAIT_MS);
  g_assert_true (xapi_vm_pool_migrate_finish (f->conn, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  /* The console follows the VM to the other host's address. */
  lc = (LocationCheck) { f, xapi_host_get_address (XAPI_HOST (target)) };
  g_assert_true (xapi_test_wait_for (location_on_host, &lc, WAIT_MS));
  g_assert_true (xapi_test_wait_for (connected_again, &cc, WAIT_MS));
  assert_shows_vm (f, XAPI_OBJECT (vm));
}

/* The description of the view's status page when its title is @title. */
static const char *
status_description (Fixture    *f,
                    const char *title)
{
  GtkWidget *w = GTK_WIDGET (f->view);

  /* depth-first over the view's widgets */
  while (w != NULL)
    {
      if (ADW_IS_STATUS_PAGE (w) && g_strcmp0 (adw_status_page_get_title (ADW_STATUS_PAGE (w)), title) == 0)
        return adw_status_page_get_description (ADW_STATUS_PAGE (w));
      if (gtk_widget_get_first_child (w) != NULL)
        w = gtk_widget_get_first_child (w);
      else
        {
          while (w != NULL && w != GTK_WIDGET (f->view) && gtk_widget_get_next_sibling (w) == NULL)
            w = gtk_widget_get_parent (w);
          w = (w == NULL || w == GTK_WIDGET (f->view)) ? NULL : gtk_widget_get_next_sibling (w);
        }
    }
  return NULL;
}

static gboolean
shows_untrusted (gpointer data)
{
  Fixture *f = data;
  const char *description;

  if (g_strcmp0 (xp_console_view_get_page (f->view), "status") != 0 ||
      g_strcmp0 (xp_console_view_get_status_title (f->view), "Could Not Open the Console") != 0)
    return FALSE;
  description = status_description (f, "Could Not Open the Console");
  return description != NULL && strstr (description, "not trusted") != NULL;
}

/* The member's certificate changes without the pool announcing it: the
 * view says why it cannot open the console (and sends nothing there); once
 * the new certificate is published it reconnects by itself. */
static void
test_member_certificate_changed (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(JsonNode) dropped = NULL;
  g_autoptr(JsonNode) published = NULL;
  g_autofree char *body = NULL;
  gint64 requests;
  XapiVm *vm;
  XapiObject *host;
  ConnectedCount cc;

  if (skip_without_sim (f))
    return;
  vm = find_vm (f, XAPI_VM_POWER_STATE_RUNNING, FALSE);
  host = xapi_cache_follow (f->cache, XAPI_OBJECT (vm), "resident_on");
  xp_console_view_set_object (f->view, XAPI_OBJECT (vm));
  assert_shows_vm (f, XAPI_OBJECT (vm));

  body = g_strdup_printf ("{\"host\":\"%s\",\"publish\":false}", xapi_host_get_name_label (XAPI_HOST (host)));
  reply = xapi_sim_control (f->sim, "/replace-certificate", body);
  requests = xapi_sim_stat (f->sim, "console_requests");
  dropped = xapi_sim_control (f->sim, "/drop-connections", "{}");
  g_assert_true (xapi_test_wait_for (shows_untrusted, f, WAIT_MS));
  g_assert_nonnull (strstr (status_description (f, "Could Not Open the Console"),
                            xapi_host_get_address (XAPI_HOST (host))));
  g_assert_cmpint (xapi_sim_stat (f->sim, "console_requests"), ==, requests);

  cc = (ConnectedCount) { f, f->n_connected };
  g_free (body);
  body = g_strdup_printf ("{\"host\":\"%s\"}", xapi_host_get_name_label (XAPI_HOST (host)));
  published = xapi_sim_control (f->sim, "/replace-certificate", body);
  g_assert_true (xapi_test_wait_for (connected_again, &cc, WAIT_MS));
  assert_shows_vm (f, XAPI_OBJECT (vm));
}

static gboolean
shows_halted_page (gpointer data)
{
  Fixture *f = data;

  return g_strcmp0 (xp_console_view_get_page (f->view), "status") == 0 &&
         g_strcmp0 (xp_console_view_get_status_title (f->view), "The VM Is Not Running") == 0;
}

static void
test_halted (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  XapiVm *vm;

  if (skip_without_sim (f))
    return;
  vm = find_vm (f, XAPI_VM_POWER_STATE_HALTED, TRUE);
  g_assert_nonnull (vm);
  xp_console_view_set_object (f->view, XAPI_OBJECT (vm));
  g_assert_true (shows_halted_page (f));
  g_assert_null (xp_console_view_get_location (f->view));
  g_assert_cmpuint (xapi_console_tunnel_get_n_bridges (), ==, 0);

  /* Started: the console comes up on its own. */
  xapi_vm_start_async (f->conn, xapi_object_get_ref (XAPI_OBJECT (vm)), FALSE, FALSE, NULL,
                       xapi_test_store_result, &result);
  xapi_test_wait_result (&result, WAIT_MS);
  g_assert_true (xapi_vm_start_finish (f->conn, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  assert_shows_vm (f, XAPI_OBJECT (vm));

  /* Shut down: back to the state page. */
  xapi_vm_hard_shutdown_async (f->conn, xapi_object_get_ref (XAPI_OBJECT (vm)), NULL,
                               xapi_test_store_result, &result);
  xapi_test_wait_result (&result, WAIT_MS);
  g_assert_true (xapi_vm_hard_shutdown_finish (f->conn, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_true (xapi_test_wait_for (shows_halted_page, f, WAIT_MS));
}

static void
test_host (Fixture       *f,
           gconstpointer  data)
{
  XapiObject *host;
  GListModel *vms;
  XapiVm *dom0 = NULL;

  if (skip_without_sim (f))
    return;
  host = xapi_cache_get_master (f->cache);
  vms = xapi_cache_get_objects (f->cache, XAPI_TYPE_VM);
  for (guint i = 0; i < g_list_model_get_n_items (vms) && dom0 == NULL; i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);
      if (xapi_vm_get_is_control_domain (vm) &&
          g_strcmp0 (xapi_vm_get_resident_on (vm), xapi_object_get_ref (host)) == 0)
        dom0 = vm;
    }
  g_assert_nonnull (dom0);

  xp_console_view_set_object (f->view, host);
  assert_shows_vm (f, XAPI_OBJECT (dom0));
}

static void
test_undock (Fixture       *f,
             gconstpointer  data)
{
  XapiVm *vm;
  XpVncDisplay *display;
  GtkRoot *root;

  if (skip_without_sim (f))
    return;
  vm = find_vm (f, XAPI_VM_POWER_STATE_RUNNING, TRUE);
  xp_console_view_set_object (f->view, XAPI_OBJECT (vm));
  assert_shows_vm (f, XAPI_OBJECT (vm));
  display = xp_console_view_get_display (f->view);

  /* Undocked: the same connected display, in another window. */
  xp_console_view_set_undocked (f->view, TRUE);
  g_assert_true (xp_console_view_get_undocked (f->view));
  root = gtk_widget_get_root (GTK_WIDGET (display));
  g_assert_nonnull (root);
  g_assert_true (root != GTK_ROOT (f->window));
  g_assert_true (xp_vnc_display_get_connected (display));

  /* Closing that window docks it back. */
  g_assert_true (GTK_WINDOW (root) != NULL);
  gtk_window_close (GTK_WINDOW (root));
  g_assert_false (xp_console_view_get_undocked (f->view));
  g_assert_true (gtk_widget_get_root (GTK_WIDGET (display)) == GTK_ROOT (f->window));
  g_assert_true (xp_vnc_display_get_connected (display));
  assert_shows_vm (f, XAPI_OBJECT (vm));
}

/* A toolbar button of the view by icon name (or label when @icon is NULL). */
static GtkWidget *
toolbar_button (Fixture    *f,
                const char *icon,
                const char *label)
{
  GtkWidget *content = gtk_widget_get_first_child (GTK_WIDGET (f->view));
  GtkWidget *toolbar = gtk_widget_get_first_child (content);

  for (GtkWidget *w = gtk_widget_get_first_child (toolbar); w; w = gtk_widget_get_next_sibling (w))
    if (GTK_IS_BUTTON (w) &&
        (icon ? g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (w)), icon) == 0
              : g_strcmp0 (gtk_button_get_label (GTK_BUTTON (w)), label) == 0))
      return w;
  return NULL;
}

static void
test_toolbar (Fixture       *f,
              gconstpointer  data)
{
  XapiVm *vm;
  XpVncDisplay *display;
  GtkWidget *button;
  KeyCheck kc;

  if (skip_without_sim (f))
    return;
  vm = find_vm (f, XAPI_VM_POWER_STATE_RUNNING, TRUE);
  xp_console_view_set_object (f->view, XAPI_OBJECT (vm));
  assert_shows_vm (f, XAPI_OBJECT (vm));
  display = xp_console_view_get_display (f->view);

  /* Scale to fit is the default without the settings schema; the toggle
   * switches to 1:1 and back. */
  button = toolbar_button (f, "zoom-fit-best-symbolic", NULL);
  g_assert_nonnull (button);
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (button)));
  g_assert_cmpint (xp_vnc_display_get_scaling (display), ==, XP_VNC_SCALING_FIT);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), FALSE);
  g_assert_cmpint (xp_vnc_display_get_scaling (display), ==, XP_VNC_SCALING_NONE);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), TRUE);
  g_assert_cmpint (xp_vnc_display_get_scaling (display), ==, XP_VNC_SCALING_FIT);

  /* Type clipboard: the clipboard text reaches the guest as key strokes. */
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (f->view)), "q7");
  button = toolbar_button (f, "edit-paste-symbolic", NULL);
  g_assert_nonnull (button);
  gtk_widget_activate (button);
  kc = (KeyCheck) { f, xapi_object_get_ref (XAPI_OBJECT (vm)), { 'q', '7' }, 2 };
  g_assert_true (xapi_test_wait_for (keys_arrived, &kc, WAIT_MS));

  /* Ctrl+Alt+Del button. */
  button = toolbar_button (f, NULL, "Ctrl+Alt+Del");
  g_assert_nonnull (button);
  gtk_widget_activate (button);
  kc = (KeyCheck) { f, xapi_object_get_ref (XAPI_OBJECT (vm)), { 0xffe3, 0xffe9, 0xffff }, 3 };
  g_assert_true (xapi_test_wait_for (keys_arrived, &kc, WAIT_MS));

  /* Undock toggle moves the display to its own window and back. */
  button = toolbar_button (f, "window-new-symbolic", NULL);
  g_assert_nonnull (button);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), TRUE);
  g_assert_true (xp_console_view_get_undocked (f->view));
  g_assert_true (gtk_widget_get_root (GTK_WIDGET (display)) != GTK_ROOT (f->window));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), FALSE);
  g_assert_false (xp_console_view_get_undocked (f->view));
  g_assert_true (gtk_widget_get_root (GTK_WIDGET (display)) == GTK_ROOT (f->window));
}


/* ------------------------------------------------------------------------ */
/* Many consoles at once                                                    */

#define N_MANY 12

static guint
count_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

typedef struct {
  XpConsoleView *views[N_MANY];
  const char    *uuids[N_MANY];
  guint          n;
} ManyCheck;

static gboolean
all_show_their_vm (gpointer data)
{
  ManyCheck *mc = data;

  for (guint i = 0; i < mc->n; i++)
    if (!view_shows_pattern (mc->views[i], mc->uuids[i]))
      return FALSE;
  return TRUE;
}

typedef struct {
  guint fds;
} FdCheck;

static gboolean
fds_back (gpointer data)
{
  FdCheck *fc = data;

  return xapi_console_tunnel_get_n_bridges () == 0 && count_fds () <= fc->fds;
}

/* The longest main-loop iteration, its time in poll() left out: the
 * longest time input would have waited.  Reported, not asserted (timing
 * belongs to tests/bench/console); the test's own checks run between
 * iterations and do not count. */
static GPollFunc default_poll;
static gint64 poll_time;

static gint
timing_poll (GPollFD *fds,
             guint    nfds,
             gint     timeout)
{
  gint64 start = g_get_monotonic_time ();
  gint result = default_poll (fds, nfds, timeout);

  poll_time += g_get_monotonic_time () - start;
  return result;
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_REMOVE;
}

static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* @longest: wall-clock time outside poll() of the longest iteration, and
 * longest[1]: the most CPU time this thread spent in one iteration (what a
 * loaded machine cannot inflate). */
static gboolean
wait_timed (gboolean (*cond) (gpointer data),
            gpointer   data,
            gint64    *longest)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) WAIT_MS * 1000;

  default_poll = g_main_context_get_poll_func (NULL);
  g_main_context_set_poll_func (NULL, timing_poll);
  while (!cond (data) && g_get_monotonic_time () < deadline)
    {
      GSource *wake = g_timeout_source_new (50);
      gint64 start, cpu;

      g_source_set_callback (wake, wake_cb, NULL, NULL);
      g_source_attach (wake, NULL);
      poll_time = 0;
      start = g_get_monotonic_time ();
      cpu = thread_cpu_us ();
      g_main_context_iteration (NULL, TRUE);
      longest[0] = MAX (longest[0], g_get_monotonic_time () - start - poll_time);
      longest[1] = MAX (longest[1], thread_cpu_us () - cpu);
      g_source_destroy (wake);
      g_source_unref (wake);
    }
  g_main_context_set_poll_func (NULL, default_poll);
  return cond (data);
}

static gboolean
window_drawn (gpointer data)
{
  GtkWidget *window = data;
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);

  return gtk_widget_get_mapped (window) && clock != NULL &&
         gdk_frame_clock_get_frame_counter (clock) > 2;
}

static GtkWindow *
many_window (GtkWidget **grid)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());

  gtk_window_set_default_size (window, 1200, 780);
  *grid = gtk_grid_new ();
  gtk_grid_set_row_homogeneous (GTK_GRID (*grid), TRUE);
  gtk_grid_set_column_homogeneous (GTK_GRID (*grid), TRUE);
  gtk_window_set_child (window, *grid);
  return window;
}

/* N_MANY consoles (every running VM and control domain of the demo pool, on
 * all three hosts, each with its own certificate) open at once in one
 * window: each shows its own VM, and closing them gives back every tunnel
 * and file descriptor. */
static void
test_many (Fixture       *f,
           gconstpointer  data)
{
  GListModel *vms;
  ManyCheck mc = { 0 };
  FdCheck fc;
  GtkWindow *window;
  GtkWidget *grid;
  g_autoptr(GHashTable) hosts = g_hash_table_new (g_str_hash, g_str_equal);
  gint64 requests_before;
  gint64 opened, longest[2] = { 0, 0 };

  if (skip_without_sim (f))
    return;

  /* Warm up: one console opened and closed, so what GTK and gvnc open once
   * per process is open before the baseline. */
  {
    XapiVm *vm = find_vm (f, XAPI_VM_POWER_STATE_RUNNING, TRUE);

    xp_console_view_set_object (f->view, XAPI_OBJECT (vm));
    assert_shows_vm (f, XAPI_OBJECT (vm));
    xp_console_view_set_object (f->view, NULL);
    g_assert_true (xapi_test_wait_for (no_bridges, NULL, WAIT_MS));
  }
  requests_before = xapi_sim_stat (f->sim, "console_requests");
  /* after the control call: its connection is kept for the next one */
  fc.fds = count_fds ();

  vms = xapi_cache_get_objects (f->cache, XAPI_TYPE_VM);
  for (guint i = 0; i < g_list_model_get_n_items (vms) && mc.n < N_MANY; i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);

      if (xapi_vm_get_power_state (vm) != XAPI_VM_POWER_STATE_RUNNING)
        continue;
      mc.uuids[mc.n++] = xapi_object_get_uuid (XAPI_OBJECT (vm));
      g_hash_table_add (hosts, (gpointer) xapi_vm_get_resident_on (vm));
    }
  g_assert_cmpuint (mc.n, ==, N_MANY);
  g_assert_cmpuint (g_hash_table_size (hosts), ==, 3);

  window = many_window (&grid);
  for (guint i = 0; i < mc.n; i++)
    {
      mc.views[i] = XP_CONSOLE_VIEW (xp_console_view_new ());
      gtk_widget_set_hexpand (GTK_WIDGET (mc.views[i]), TRUE);
      gtk_widget_set_vexpand (GTK_WIDGET (mc.views[i]), TRUE);
      gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (mc.views[i]), (int) i % 4, (int) i / 4, 1, 1);
    }
  gtk_window_present (window);
  {
    gint64 longest_show[2] = { 0, 0 };

    /* the window's first frames (twelve status pages) are not the consoles' doing */
    g_assert_true (wait_timed (window_drawn, window, longest_show));
    g_test_message ("window with %u console views shown; longest main-loop iteration %.1f ms (%.1f ms CPU)",
                    mc.n, longest_show[0] / 1000.0, longest_show[1] / 1000.0);
  }

  /* all at once */
  opened = g_get_monotonic_time ();
  for (guint i = 0; i < mc.n; i++)
    xp_console_view_set_object (mc.views[i], xapi_cache_lookup_by_uuid (f->cache, mc.uuids[i]));
  g_assert_true (wait_timed (all_show_their_vm, &mc, longest));
  g_test_message ("%u consoles showing after %.0f ms; longest main-loop iteration %.1f ms (%.1f ms CPU)",
                  mc.n, (g_get_monotonic_time () - opened) / 1000.0, longest[0] / 1000.0, longest[1] / 1000.0);

  g_assert_cmpuint (xapi_console_tunnel_get_n_bridges (), ==, mc.n);
  g_assert_cmpint (xapi_sim_stat (f->sim, "console_requests") - requests_before, ==, mc.n);
  for (guint i = 0; i < mc.n; i++)
    {
      XpVncDisplay *display = xp_console_view_get_display (mc.views[i]);

      g_assert_cmpuint (xp_vnc_display_get_frame_count (display), >, 0);
      /* no other VM's pattern in it */
      for (guint k = 0; k < mc.n; k++)
        if (k != i)
          g_assert_false (view_shows_pattern (mc.views[i], mc.uuids[k]));
    }

  /* Closing the window closes every console: tunnels and fds come back. */
  gtk_window_destroy (window);
  g_assert_true (xapi_test_wait_for (fds_back, &fc, WAIT_MS));
  g_assert_cmpuint (count_fds (), <=, fc.fds);   /* an idle keep-alive may have closed too */
}

/* ------------------------------------------------------------------------ */

static GSubprocess *xvfb;

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static gboolean
start_xvfb (void)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  char buf[32] = { 0 };
  gsize got = 0;
  int fds[2];

  if (pipe (fds) != 0)
    return FALSE;
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_take_fd (launcher, fds[1], 3);
  xvfb = g_subprocess_launcher_spawn (launcher, &error, XVFB_PATH, "-displayfd", "3",
                                      "-screen", "0", "1280x800x24", "-nolisten", "tcp", NULL);
  if (xvfb == NULL)
    {
      close (fds[0]);
      return FALSE;
    }
  /* Xvfb writes the display number once it accepts connections. */
  while (got < sizeof buf - 1)
    {
      gssize n = read (fds[0], buf + got, sizeof buf - 1 - got);
      if (n <= 0)
        break;
      got += (gsize) n;
      if (memchr (buf, '\n', got) != NULL)
        break;
    }
  close (fds[0]);
  if (got == 0)
    return FALSE;
  g_strchomp (buf);
  {
    g_autofree char *display = g_strdup_printf (":%s", buf);
    g_setenv ("DISPLAY", display, TRUE);
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GDK_BACKEND", "x11", TRUE);

  if (!g_getenv ("CONSOLE_TEST_USE_DISPLAY") && !start_xvfb ())
    {
      g_test_skip ("Xvfb could not be started");
      return g_test_run ();
    }
  if (!gtk_init_check ())
    {
      g_test_skip ("no display");
      return g_test_run ();
    }
  adw_init ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/console/view/running-vm", test_running_vm);
  ADD ("/console/view/keys", test_keys);
  ADD ("/console/view/reboot", test_reboot);
  ADD ("/console/view/dropped", test_dropped);
  ADD ("/console/view/member-host", test_member_host);
  ADD ("/console/view/migrate", test_migrate);
  ADD ("/console/view/member-certificate-changed", test_member_certificate_changed);
  ADD ("/console/view/halted", test_halted);
  ADD ("/console/view/host", test_host);
  ADD ("/console/view/undock", test_undock);
  ADD ("/console/view/toolbar", test_toolbar);
  ADD ("/console/view/many", test_many);
#undef ADD

  ret = g_test_run ();
  if (xvfb != NULL)
    {
      g_subprocess_send_signal (xvfb, SIGTERM);
      g_subprocess_wait (xvfb, NULL, NULL);
      g_clear_object (&xvfb);
    }
  return ret;
}
