/* test-shell.c: in-process tests of the XenPools shell against xapi-sim
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The sidebar tree (placement, natural order, live moves and renames,
 * search, Objects view, templates, XenCenter's golden server view of a real
 * state.db), the connection store (keyfile round
 * trip, no password in it, trust on first use, changed certificates), the
 * task and alerts views, and the window's server actions.  Needs a display
 * (run under xvfb-run by meson); skips without one or without the simulator.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>
#include <xapi-classes.h>
#include <xapi-cache.h>
#include <xapi-task-ops.h>

#include "sim-fixture.h"
#include "../ui-util.h"
#include "xp-alerts-view.h"
#include "xp-application.h"
#include "xp-connection-store.h"
#include "xp-sidebar.h"
#include "xp-task-view.h"
#include "xp-tree-model.h"
#include "xp-window.h"

#define TIMEOUT_MS 30000

typedef struct {
  XapiSim           *sim;
  char              *dir;
  XpConnectionStore *store;
  XapiConnection    *conn;   /* owned by the store */
} Fixture;

static gboolean
conn_is_connected (gpointer data)
{
  return xapi_connection_get_state (data) == XAPI_CONNECTION_STATE_CONNECTED;
}

static gboolean
conn_is_disconnected (gpointer data)
{
  return xapi_connection_get_state (data) == XAPI_CONNECTION_STATE_DISCONNECTED;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  if (!xp_test_have_sim_and_display ())
    return;
  f->dir = g_dir_make_tmp ("xp-shell-XXXXXX", &error);
  g_assert_no_error (error);
  f->sim = xapi_sim_start ("--scenario", "demo", "--time-scale", "0.02", NULL);
  f->store = xp_connection_store_new (f->dir);
}

/* Like fixture_setup, but the test starts its own simulator. */
static void
fixture_setup_no_sim (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("xp-shell-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = xp_connection_store_new (f->dir);
}

static void
fixture_connect (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->conn = xp_connection_store_add (f->store, f->sim->url, "root", XP_CONNECTION_TRANSIENT, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->conn);
  xp_connection_store_connect (f->store, f->conn, "secret");
  g_assert_true (xapi_test_wait_for (conn_is_connected, f->conn, TIMEOUT_MS));
}

static gboolean
store_idle (gpointer data)
{
  return TRUE;
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->store != NULL)
    {
      xp_connection_store_close_all (f->store);
      if (f->conn != NULL)
        xapi_test_wait_for (conn_is_disconnected, f->conn, 5000);
    }
  g_clear_object (&f->store);
  g_clear_pointer (&f->sim, xapi_sim_stop);
  if (f->dir != NULL)
    {
      g_autofree char *ini = g_build_filename (f->dir, "connections.ini", NULL);
      g_unlink (ini);
      g_rmdir (f->dir);
      g_free (f->dir);
    }
  (void) store_idle;
}

/* ---- reading the tree ---- */

typedef struct {
  guint    depth;
  char    *name;
  GObject *item;
} Row;

static void
row_clear (gpointer data)
{
  Row *row = data;

  g_free (row->name);
  g_clear_object (&row->item);
}

static GArray *
read_rows (GListModel *model)
{
  GArray *rows = g_array_new (FALSE, TRUE, sizeof (Row));
  guint n = g_list_model_get_n_items (model);

  g_array_set_clear_func (rows, row_clear);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) obj = g_list_model_get_item (model, i);
      Row row = { 0 };

      if (GTK_IS_TREE_LIST_ROW (obj))
        {
          row.depth = gtk_tree_list_row_get_depth (GTK_TREE_LIST_ROW (obj));
          row.item = gtk_tree_list_row_get_item (GTK_TREE_LIST_ROW (obj));
        }
      else
        row.item = g_object_ref (obj);
      row.name = xp_object_dup_display_name (row.item);
      /* the sidebar looks up the listed icons ahead: every row's is one */
      g_assert_true (g_strv_contains (xp_object_icon_names (), xp_object_get_icon_name (row.item)));
      g_array_append_val (rows, row);
    }
  return rows;
}

static int
find_row (GArray     *rows,
          const char *name)
{
  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (g_array_index (rows, Row, i).name, name) == 0)
      return i;
  return -1;
}

/* Index of the parent row of rows[i] (-1 for roots). */
static int
parent_of (GArray *rows,
           int     i)
{
  guint depth = g_array_index (rows, Row, i).depth;

  for (int j = i - 1; j >= 0; j--)
    if (g_array_index (rows, Row, j).depth < depth)
      return j;
  return -1;
}

static void
iterate_idle (void)
{
  /* Let pending idles (coalesced filter/sort refreshes) run. */
  for (int i = 0; i < 50 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

typedef struct {
  XpTreeModel *tree;
  const char  *name;
  const char  *parent;  /* expected parent name, NULL: any */
  int          min_index_under_parent;
} WaitRow;

static gboolean
row_is_placed (gpointer data)
{
  WaitRow *w = data;
  g_autoptr(GArray) rows = read_rows (xp_tree_model_get_model (w->tree));
  int i = find_row (rows, w->name);
  int p;

  if (i < 0)
    return FALSE;
  p = parent_of (rows, i);
  if (w->parent != NULL && (p < 0 || g_strcmp0 (g_array_index (rows, Row, p).name, w->parent) != 0))
    return FALSE;
  if (w->min_index_under_parent == 0 && p >= 0 && i != p + 1)
    return FALSE;  /* must be the first child */
  return TRUE;
}

typedef struct {
  XpTreeModel *tree;
  const char  *name;
  const char  *parent;
} WaitLast;

/* @name is the last VM row right under @parent. */
static gboolean
row_is_last_vm (gpointer data)
{
  WaitLast *w = data;
  g_autoptr(GArray) rows = read_rows (xp_tree_model_get_model (w->tree));
  int i = find_row (rows, w->name);
  int p;
  guint depth;

  if (i < 0 || (p = parent_of (rows, i)) < 0 ||
      g_strcmp0 (g_array_index (rows, Row, p).name, w->parent) != 0)
    return FALSE;
  depth = g_array_index (rows, Row, i).depth;
  for (guint j = i + 1; j < rows->len && g_array_index (rows, Row, j).depth >= depth; j++)
    if (g_array_index (rows, Row, j).depth == depth && XAPI_IS_VM (g_array_index (rows, Row, j).item))
      return FALSE;
  return TRUE;
}

/* Under every node, consecutive VM rows are in natural order. */
static gboolean
all_vm_siblings_sorted (gpointer data)
{
  g_autoptr(GArray) rows = read_rows (xp_tree_model_get_model (XP_TREE_MODEL (data)));

  for (guint i = 0; i < rows->len; i++)
    {
      Row *a = &g_array_index (rows, Row, i);
      guint depth = a->depth;

      if (!XAPI_IS_VM (a->item))
        continue;
      for (guint j = i + 1; j < rows->len && g_array_index (rows, Row, j).depth >= depth; j++)
        {
          Row *b = &g_array_index (rows, Row, j);

          if (b->depth != depth)
            continue;
          if (XAPI_IS_VM (b->item) &&
              xapi_vm_get_is_a_template (XAPI_VM (a->item)) == xapi_vm_get_is_a_template (XAPI_VM (b->item)) &&
              xp_natural_compare (a->name, b->name) > 0)
            return FALSE;
          break;
        }
    }
  return TRUE;
}

static gboolean
vm_is_resident (gpointer data)
{
  XapiConnection *conn = xapi_object_get_connection (data);

  return xapi_cache_follow (xapi_connection_get_cache (conn), data, "resident_on") != NULL;
}

static void
test_tree_infrastructure (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(XpTreeModel) tree = NULL;
  g_autoptr(GArray) rows = NULL;
  XapiCache *cache;
  guint n_default_templates = 0, n_rows_before;
  int pool, host1, nfs, host_sr = -1, first_vm_under_host1 = -1;
  GListModel *vms;
  XapiVm *halted = NULL;

  if (f->sim == NULL)
    return;
  fixture_connect (f);
  cache = xapi_connection_get_cache (f->conn);

  tree = xp_tree_model_new (xp_connection_store_get_connections (f->store));
  iterate_idle ();
  rows = read_rows (xp_tree_model_get_model (tree));

  /* connection -> pool -> hosts, natural order */
  g_assert_true (XAPI_IS_CONNECTION (g_array_index (rows, Row, 0).item));
  pool = find_row (rows, "Demo Pool");
  g_assert_cmpint (pool, ==, 1);
  g_assert_cmpuint (g_array_index (rows, Row, pool).depth, ==, 1);
  host1 = find_row (rows, "xcp-ng-01");
  g_assert_cmpint (host1, ==, 2);
  g_assert_cmpint (find_row (rows, "xcp-ng-02"), >, host1);
  g_assert_cmpint (find_row (rows, "xcp-ng-03"), >, find_row (rows, "xcp-ng-02"));

  /* host children: running VMs first, then its local SRs */
  for (guint i = host1 + 1; i < rows->len && g_array_index (rows, Row, i).depth == 3; i++)
    {
      GObject *item = g_array_index (rows, Row, i).item;

      if (XAPI_IS_VM (item))
        {
          g_assert_cmpint (host_sr, ==, -1);
          if (first_vm_under_host1 < 0)
            first_vm_under_host1 = i;
          g_assert_cmpstr (xapi_vm_get_resident_on (XAPI_VM (item)), ==,
                           xapi_object_get_ref (XAPI_OBJECT (g_array_index (rows, Row, host1).item)));
        }
      else
        {
          g_assert_true (XAPI_IS_SR (item));
          g_assert_false (xapi_sr_get_shared (XAPI_SR (item)));
          if (host_sr < 0)
            host_sr = i;
        }
      if (i > (guint) host1 + 1 && G_OBJECT_TYPE (item) ==
          G_OBJECT_TYPE (g_array_index (rows, Row, i - 1).item))
        g_assert_cmpint (xp_natural_compare (g_array_index (rows, Row, i - 1).name,
                                             g_array_index (rows, Row, i).name), <=, 0);
    }
  g_assert_cmpint (first_vm_under_host1, >, 0);
  g_assert_cmpint (host_sr, >, 0);

  /* the shared SR sits under the pool; control domains never show */
  nfs = find_row (rows, "NFS VM storage");
  g_assert_cmpint (nfs, >, 0);
  g_assert_cmpint (parent_of (rows, nfs), ==, pool);
  for (guint i = 0; i < rows->len; i++)
    {
      GObject *item = g_array_index (rows, Row, i).item;
      if (XAPI_IS_VM (item))
        {
          g_assert_false (xapi_vm_get_is_control_domain (XAPI_VM (item)));
          g_assert_false (xp_vm_is_default_template (XAPI_VM (item)));
        }
    }

  /* show templates adds exactly the default templates */
  vms = xapi_cache_get_objects (cache, XAPI_TYPE_VM);
  for (guint i = 0; i < g_list_model_get_n_items (vms); i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);

      if (xapi_vm_get_is_a_template (vm) && xp_vm_is_default_template (vm))
        n_default_templates++;
      if (halted == NULL && !xapi_vm_get_is_a_template (vm) && !xapi_vm_get_is_control_domain (vm) &&
          !xapi_vm_get_is_a_snapshot (vm) &&
          xapi_vm_get_power_state (vm) == XAPI_VM_POWER_STATE_HALTED &&
          find_row (rows, xapi_vm_get_name_label (vm)) >= 0 &&
          parent_of (rows, find_row (rows, xapi_vm_get_name_label (vm))) == pool)
        halted = vm;
    }
  g_assert_cmpuint (n_default_templates, >, 0);
  n_rows_before = rows->len;
  xp_tree_model_set_show_templates (tree, TRUE);
  {
    g_autoptr(GArray) with_templates = read_rows (xp_tree_model_get_model (tree));
    g_assert_cmpuint (with_templates->len, ==, n_rows_before + n_default_templates);
  }
  xp_tree_model_set_show_templates (tree, FALSE);

  /* live rename: the VM moves to its sorted place without a rebuild */
  {
    XapiObject *vm = (XapiObject *) g_array_index (rows, Row, first_vm_under_host1 + 1).item;
    g_autofree char *body = NULL;
    g_autoptr(JsonNode) reply = NULL;
    WaitRow w = { tree, "000-first", "xcp-ng-01", 0 };

    g_assert_true (XAPI_IS_VM (vm));
    body = g_strdup_printf ("{\"class\":\"VM\",\"ref\":\"%s\",\"field\":\"name_label\",\"value\":\"000-first\"}",
                            xapi_object_get_ref (vm));
    reply = xapi_sim_control (f->sim, "/mutate", body);
    g_assert_true (xapi_test_wait_for (row_is_placed, &w, TIMEOUT_MS));

    /* and again, to the end; its siblings stay in natural order */
    {
      WaitLast last = { tree, "zzz-vm 10", "xcp-ng-01" };
      g_autoptr(JsonNode) reply2 = NULL;

      g_free (body);
      body = g_strdup_printf ("{\"class\":\"VM\",\"ref\":\"%s\",\"field\":\"name_label\",\"value\":\"zzz-vm 10\"}",
                              xapi_object_get_ref (vm));
      reply2 = xapi_sim_control (f->sim, "/mutate", body);
      g_assert_true (xapi_test_wait_for (row_is_last_vm, &last, TIMEOUT_MS));
      g_assert_true (xapi_test_wait_for (all_vm_siblings_sorted, tree, TIMEOUT_MS));
    }
  }

  /* live placement: a halted pool-level VM moves under the host it starts on */
  if (halted != NULL)
    {
      g_autofree char *name = g_strdup (xapi_vm_get_name_label (halted));
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;
      XapiObject *host;
      g_autofree char *host_name = NULL;
      WaitRow w = { tree, name, NULL, 1 };

      xapi_vm_start_async (f->conn, xapi_object_get_ref (XAPI_OBJECT (halted)), FALSE, FALSE,
                           NULL, xapi_test_store_result, &result);
      xapi_test_wait_result (&result, TIMEOUT_MS);
      g_assert_true (xapi_vm_start_finish (f->conn, result, &error));
      g_assert_no_error (error);
      g_assert_true (xapi_test_wait_for (vm_is_resident, halted, TIMEOUT_MS));
      host = xapi_cache_follow (cache, XAPI_OBJECT (halted), "resident_on");
      g_assert_nonnull (host);
      host_name = g_strdup (xapi_host_get_name_label (XAPI_HOST (host)));
      w.parent = host_name;
      g_assert_true (xapi_test_wait_for (row_is_placed, &w, TIMEOUT_MS));
    }
  else
    g_test_message ("demo has no halted pool-level VM; placement move not checked");
}

/* ---- golden tree: XenCenter's server view of the same state.db ---- */

typedef struct {
  GArray *rows;   /* of Row: depth, name (text), item NULL */
  GPtrArray *kinds;
  guint depth;
} Golden;

static void
golden_start (GMarkupParseContext  *context,
              const char           *element,
              const char          **names,
              const char          **values,
              gpointer              data,
              GError              **error)
{
  Golden *g = data;
  const char *text = NULL, *image = NULL;
  Row row = { 0 };

  if (g_strcmp0 (element, "node") != 0)
    return;
  g_markup_collect_attributes (element, names, values, error,
                               G_MARKUP_COLLECT_STRING, "text", &text,
                               G_MARKUP_COLLECT_STRING, "imageindex", &image,
                               G_MARKUP_COLLECT_STRING | G_MARKUP_COLLECT_OPTIONAL, "tag", NULL,
                               G_MARKUP_COLLECT_INVALID);
  row.depth = g->depth++;
  row.name = g_strdup (text);
  g_array_append_val (g->rows, row);
  g_ptr_array_add (g->kinds, g_strdup (image));
}

static void
golden_end (GMarkupParseContext  *context,
            const char           *element,
            gpointer              data,
            GError              **error)
{
  Golden *g = data;

  if (g_strcmp0 (element, "node") == 0)
    g->depth--;
}

/* The kind of icon XenCenter draws for @image, as ours would name it. */
static const char *
golden_kind (const char *image)
{
  static const struct { const char *image, *kind; } map[] = {
    { "PoolConnected", "pool" }, { "HostConnected", "host" }, { "VmRunning", "vm-running" },
    { "VmStopped", "vm-halted" }, { "VmSuspended", "vm-paused" }, { "Storage", "sr" },
    { "StorageDefault", "sr" }, { "TemplateUser", "template-user" }, { "Template", "template" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_strcmp0 (image, map[i].image) == 0)
      return map[i].kind;
  return image;
}

static const char *
our_kind (GObject *item)
{
  const char *icon = xp_object_get_icon_name (item);

  if (XAPI_IS_POOL (item))
    return "pool";
  if (XAPI_IS_HOST (item))
    return g_str_equal (icon, "computer-symbolic") ? "host" : icon;
  if (XAPI_IS_SR (item))
    return g_str_has_prefix (icon, "drive-") || g_str_has_prefix (icon, "media-optical") ? "sr" : icon;
  if (XAPI_IS_VM (item))
    {
      if (g_str_equal (icon, "folder-templates-symbolic"))
        return xp_vm_is_default_template (XAPI_VM (item)) ? "template" : "template-user";
      if (g_str_equal (icon, "media-playback-start-symbolic"))
        return "vm-running";
      if (g_str_equal (icon, "media-playback-stop-symbolic"))
        return "vm-halted";
      if (g_str_equal (icon, "media-playback-pause-symbolic"))
        return "vm-paused";
    }
  return icon;
}

static char *
describe_rows (GArray    *rows,
               GPtrArray *kinds)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < rows->len; i++)
    {
      Row *r = &g_array_index (rows, Row, i);
      g_string_append_printf (s, "%*s%s [%s]\n", 2 * r->depth, "", r->name,
                              kinds ? (const char *) g_ptr_array_index (kinds, i) : our_kind (r->item));
    }
  return g_string_free (s, FALSE);
}

static void
test_tree_golden (Fixture       *f,
                  gconstpointer  data)
{
  const GMarkupParser parser = { golden_start, golden_end, NULL, NULL, NULL };
  const char *shared = g_getenv ("XENPOOLS_SHARED_DIR");
  g_autofree char *statedb = NULL, *golden_path = NULL, *xml = NULL;
  g_autofree char *ours_text = NULL, *golden_text = NULL;
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(XpTreeModel) tree = NULL;
  g_autoptr(GArray) rows = NULL;
  g_autoptr(GPtrArray) kinds = g_ptr_array_new_with_free_func (g_free);
  Golden golden = { g_array_new (FALSE, TRUE, sizeof (Row)), kinds, 0 };

  if (!xp_test_have_sim_and_display ())
    return;
  g_array_set_clear_func (golden.rows, row_clear);
  statedb = g_build_filename (shared ? shared : "", "realdata",
                              "xenadmin_state1_pool2hosts_xs5.5-edited.statedb.xml", NULL);
  golden_path = g_build_filename (shared ? shared : "", "realdata",
                                  "xenadmin_state1.treeview.serverview.golden.xml", NULL);
  if (shared == NULL || !g_file_test (statedb, G_FILE_TEST_EXISTS) ||
      !g_file_test (golden_path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("shared real data not found (set XENPOOLS_SHARED_DIR)");
      g_array_unref (golden.rows);
      return;
    }
  g_file_get_contents (golden_path, &xml, NULL, &error);
  g_assert_no_error (error);
  context = g_markup_parse_context_new (&parser, 0, &golden, NULL);
  g_markup_parse_context_parse (context, xml, -1, &error);
  g_assert_no_error (error);
  g_markup_parse_context_end_parse (context, &error);
  g_assert_no_error (error);

  f->sim = xapi_sim_start ("--scenario", statedb, "--time-scale", "0.02", NULL);
  fixture_connect (f);
  tree = xp_tree_model_new (xp_connection_store_get_connections (f->store));
  xp_tree_model_set_show_templates (tree, TRUE);
  iterate_idle ();
  rows = read_rows (xp_tree_model_get_model (tree));

  /* XenCenter's root is its "[XenCenter]" home node; ours is the
   * connection: compare the kinds of everything below. */
  g_ptr_array_index (kinds, 0) = (g_free (g_ptr_array_index (kinds, 0)), g_strdup ("root"));
  for (guint i = 1; i < kinds->len; i++)
    {
      char *kind = g_strdup (golden_kind (g_ptr_array_index (kinds, i)));
      g_free (g_ptr_array_index (kinds, i));
      g_ptr_array_index (kinds, i) = kind;
    }
  golden_text = describe_rows (golden.rows, kinds);
  {
    g_autoptr(GPtrArray) our_kinds = g_ptr_array_new_with_free_func (g_free);

    for (guint i = 0; i < rows->len; i++)
      g_ptr_array_add (our_kinds, g_strdup (i == 0 ? "root" : our_kind (g_array_index (rows, Row, i).item)));
    ours_text = describe_rows (rows, our_kinds);
  }
  /* The root's text differs by design (XenCenter's home node). */
  if (g_strcmp0 (strchr (ours_text, '\n'), strchr (golden_text, '\n')) != 0)
    g_test_message ("golden:\n%s\nours:\n%s", golden_text, ours_text);
  g_assert_cmpstr (strchr (ours_text, '\n'), ==, strchr (golden_text, '\n'));
  g_array_unref (golden.rows);
}

/* As in XenCenter, the pool master is the first host, also after a move. */
static void
test_tree_master_first (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(XpTreeModel) tree = NULL;
  g_autoptr(JsonNode) reply = NULL;
  WaitRow w;

  if (f->sim == NULL)
    return;
  fixture_connect (f);
  tree = xp_tree_model_new (xp_connection_store_get_connections (f->store));
  w = (WaitRow) { tree, "xcp-ng-01", "Demo Pool", 0 };
  g_assert_true (xapi_test_wait_for (row_is_placed, &w, TIMEOUT_MS));

  reply = xapi_sim_control (f->sim, "/move-master", "{\"host\":\"xcp-ng-03\"}");
  w = (WaitRow) { tree, "xcp-ng-03", "Demo Pool", 0 };
  g_assert_true (xapi_test_wait_for (row_is_placed, &w, TIMEOUT_MS));
}

/* ---- Tags and Folders views ---- */

typedef struct {
  XpTreeModel *tree;
  const char  *from;      /* compare from the first line starting so */
  const char  *expected;
  char        *last;
} WaitOutline;

/* Expand every row, then "name/depth" lines of the whole tree. */
static char *
tree_outline (XpTreeModel *tree)
{
  GListModel *model = xp_tree_model_get_model (tree);
  g_autoptr(GArray) rows = NULL;
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkTreeListRow) row = g_list_model_get_item (model, i);

      if (gtk_tree_list_row_is_expandable (row))
        gtk_tree_list_row_set_expanded (row, TRUE);
    }
  rows = read_rows (model);
  for (guint i = 0; i < rows->len; i++)
    g_string_append_printf (s, "%s/%u\n", g_array_index (rows, Row, i).name, g_array_index (rows, Row, i).depth);
  return g_string_free (s, FALSE);
}

static const char *
outline_tail (const char *outline,
              const char *from)
{
  const char *p;

  if (*from == '\0' || g_str_has_prefix (outline, from))
    return outline;
  p = strstr (outline, from);
  while (p != NULL && p[-1] != '\n')
    p = strstr (p + 1, from);
  return p != NULL ? p : "";
}

static gboolean
outline_is (gpointer data)
{
  WaitOutline *w = data;

  g_free (w->last);
  w->last = tree_outline (w->tree);
  return g_strcmp0 (outline_tail (w->last, w->from), w->expected) == 0;
}

static void
assert_outline_tail (XpTreeModel *tree,
                     const char  *from,
                     const char  *expected)
{
  WaitOutline w = { tree, from, expected, NULL };

  if (!xapi_test_wait_for (outline_is, &w, TIMEOUT_MS))
    g_assert_cmpstr (outline_tail (w.last, from), ==, expected);
  g_free (w.last);
}

static const char *
ref_by_name (XapiCache  *cache,
             GType       type,
             const char *name)
{
  GListModel *objects = xapi_cache_get_objects (cache, type);

  for (guint i = 0; i < g_list_model_get_n_items (objects); i++)
    {
      g_autoptr(XapiObject) obj = g_list_model_get_item (objects, i);
      g_autofree char *label = xp_object_dup_display_name (G_OBJECT (obj));

      if (g_strcmp0 (label, name) == 0)
        return xapi_object_get_ref (obj);  /* the cache keeps it */
    }
  g_assert_not_reached ();
}

static void
mutate (Fixture    *f,
        const char *klass,
        const char *ref,
        const char *field,
        const char *value_json)
{
  g_autofree char *body = g_strdup_printf ("{\"class\":\"%s\",\"ref\":\"%s\",\"field\":\"%s\",\"value\":%s}",
                                           klass, ref, field, value_json);
  g_autoptr(JsonNode) reply = xapi_sim_control (f->sim, "/mutate", body);
}

static void
test_tree_tags_folders (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(XpTreeModel) tree = NULL;
  XapiCache *cache;
  const char *web, *db, *host2;

  if (f->sim == NULL)
    return;
  fixture_connect (f);
  cache = xapi_connection_get_cache (f->conn);
  web = ref_by_name (cache, XAPI_TYPE_VM, "web-01");
  db = ref_by_name (cache, XAPI_TYPE_VM, "db-primary");
  host2 = ref_by_name (cache, XAPI_TYPE_HOST, "xcp-ng-02");

  /* The demo has tags of its own: ours sort after them ("zz-"). */
  mutate (f, "VM", web, "tags", "[\"zz-prod\",\"zz-web\"]");
  mutate (f, "VM", db, "tags", "[\"zz-prod\"]");
  mutate (f, "host", host2, "tags", "[\"zz-rack 2\"]");
  mutate (f, "VM", web, "other_config", "{\"folder\":\"/ZZ Production/Web\"}");
  mutate (f, "VM", db, "other_config", "{\"folder\":\"ZZ Production/\"}");

  tree = xp_tree_model_new (xp_connection_store_get_connections (f->store));
  xp_tree_model_set_view (tree, XP_TREE_VIEW_TAGS);
  /* tags sorted naturally, each with its objects sorted */
  assert_outline_tail (tree, "zz-",
                       "zz-prod/0\n" "db-primary/1\n" "web-01/1\n"
                       "zz-rack 2/0\n" "xcp-ng-02/1\n"
                       "zz-web/0\n" "web-01/1\n");

  /* a new tag makes a new group, live */
  mutate (f, "VM", db, "tags", "[\"zz-prod\",\"zz-database\"]");
  assert_outline_tail (tree, "zz-",
                       "zz-database/0\n" "db-primary/1\n"
                       "zz-prod/0\n" "db-primary/1\n" "web-01/1\n"
                       "zz-rack 2/0\n" "xcp-ng-02/1\n"
                       "zz-web/0\n" "web-01/1\n");

  /* folders: XenCenter paths, subfolders before the objects in a folder */
  xp_tree_model_set_view (tree, XP_TREE_VIEW_FOLDERS);
  assert_outline_tail (tree, "ZZ Production/",
                       "ZZ Production/0\n" "Web/1\n" "web-01/2\n" "db-primary/1\n");
  mutate (f, "VM", web, "other_config", "{}");
  assert_outline_tail (tree, "ZZ Production/", "ZZ Production/0\n" "db-primary/1\n");

  /* the filter matches tags too */
  xp_tree_model_set_view (tree, XP_TREE_VIEW_INFRASTRUCTURE);
  xp_tree_model_set_search (tree, "zz-rack 2");
  assert_outline_tail (tree, "", "xcp-ng-02/0\n");
}

typedef struct {
  XpTreeModel *tree;
  const char  *text;
  gpointer     item;
  gboolean     found;   /* what is expected */
} WaitSearch;

/* The search for text lists item (found) or does not (!found). */
static gboolean
search_finds (gpointer data)
{
  WaitSearch *w = data;
  g_autoptr(GArray) rows = NULL;
  gboolean listed = FALSE;

  xp_tree_model_set_search (w->tree, w->text);
  rows = read_rows (xp_tree_model_get_model (w->tree));
  for (guint i = 0; i < rows->len; i++)
    if (g_array_index (rows, Row, i).item == w->item)
      listed = TRUE;
  return listed == w->found;
}

static gboolean
vm_has_tag (gpointer data)
{
  const char * const *tags = xapi_vm_get_tags (XAPI_VM (data));

  return tags != NULL && g_strv_contains (tags, "quiet-tag");
}

/* A sidebar open before the connection: the initial sync's thousands of
 * VMs are placed a slice at a time, the lists filled a list at a time,
 * while VMs are renamed and removed; in the end the tree is the one made
 * afresh. */
typedef struct {
  XpTreeModel *tree;
  GListModel  *connections;
} WaitSame;

static gboolean
tree_same_as_fresh (gpointer data)
{
  WaitSame *w = data;
  g_autoptr(XpTreeModel) fresh = xp_tree_model_new (w->connections);
  g_autoptr(GArray) rows = read_rows (xp_tree_model_get_model (w->tree));
  g_autoptr(GArray) afresh = read_rows (xp_tree_model_get_model (fresh));

  if (rows->len != afresh->len)
    return FALSE;
  for (guint r = 0; r < rows->len; r++)
    if (g_array_index (rows, Row, r).item != g_array_index (afresh, Row, r).item ||
        g_array_index (rows, Row, r).depth != g_array_index (afresh, Row, r).depth)
      return FALSE;
  return TRUE;
}

static gboolean
vm_renamed (gpointer data)
{
  return g_strcmp0 (xapi_vm_get_name_label (XAPI_VM (data)), "vm-0 renamed") == 0;
}

static void
test_tree_placed_while_syncing (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(XpTreeModel) tree = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) halted = g_ptr_array_new ();
  GListModel *connections = xp_connection_store_get_connections (f->store);
  WaitSame w = { NULL, connections };
  GListModel *vms;
  guint n_rows;

  if (!xp_test_have_sim_and_display ())
    return;
  f->sim = xapi_sim_start ("--scenario", "large", "--hosts", "4", "--vms", "3000", NULL);
  tree = xp_tree_model_new (connections);
  w.tree = tree;
  f->conn = xp_connection_store_add (f->store, f->sim->url, "root", XP_CONNECTION_TRANSIENT, &error);
  g_assert_no_error (error);
  xp_connection_store_connect (f->store, f->conn, "secret");
  g_assert_true (xapi_test_wait_for (conn_is_connected, f->conn, TIMEOUT_MS));

  /* at once, while the VMs are being placed */
  vms = xapi_cache_get_objects (xapi_connection_get_cache (f->conn), XAPI_TYPE_VM);
  for (guint i = 0; i < g_list_model_get_n_items (vms); i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);

      if (xapi_vm_get_is_control_domain (vm) || xapi_vm_get_is_a_template (vm) || xapi_vm_get_is_a_snapshot (vm))
        continue;
      if (i % 97 == 0)
        mutate (f, "VM", xapi_object_get_ref (XAPI_OBJECT (vm)), "name_label", "\"AAA moved first\"");
      else if (halted->len < 3 && xapi_vm_get_power_state (vm) == XAPI_VM_POWER_STATE_HALTED)
        g_ptr_array_add (halted, (gpointer) xapi_object_get_ref (XAPI_OBJECT (vm)));
    }
  for (guint i = 0; i < halted->len; i++)
    {
      g_autoptr(GAsyncResult) result = NULL;

      xapi_vm_destroy_async (f->conn, g_ptr_array_index (halted, i), NULL, xapi_test_store_result, &result);
      xapi_test_wait_result (&result, TIMEOUT_MS);
      g_assert_true (xapi_vm_destroy_finish (f->conn, result, &error));
      g_assert_no_error (error);
    }

  g_assert_true (xapi_test_wait_for (tree_same_as_fresh, &w, TIMEOUT_MS));
  n_rows = g_list_model_get_n_items (xp_tree_model_get_model (tree));
  g_assert_cmpuint (n_rows, >, 3000 - halted->len);

  /* Once placed, the search's candidates are sorted ahead, a slice per
   * idle, and a rename part way starts that over.  Whichever way the sort
   * ends (ahead, or at once when the search starts), the rows come in
   * natural order. */
  for (guint i = 0; i < 3; i++)
    g_main_context_iteration (NULL, FALSE);
  for (guint i = g_list_model_get_n_items (vms) / 2; i < g_list_model_get_n_items (vms); i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);

      if (xapi_vm_get_is_control_domain (vm) || xapi_vm_get_is_a_template (vm) || xapi_vm_get_is_a_snapshot (vm))
        continue;
      mutate (f, "VM", xapi_object_get_ref (XAPI_OBJECT (vm)), "name_label", "\"vm-0 renamed\"");
      g_assert_true (xapi_test_wait_for (vm_renamed, vm, TIMEOUT_MS));
      break;
    }
  g_assert_true (xapi_test_wait_for (tree_same_as_fresh, &w, TIMEOUT_MS));
  for (guint pass = 0; pass < 2; pass++)
    {
      g_autoptr(GArray) rows = NULL;

      xp_tree_model_set_search (tree, "vm-");
      rows = read_rows (xp_tree_model_get_model (tree));
      g_assert_cmpuint (rows->len, >, 2900);
      g_assert_cmpint (find_row (rows, "vm-0 renamed"), ==, 0);
      for (guint r = 1; r < rows->len; r++)
        g_assert_cmpint (xp_natural_compare (g_array_index (rows, Row, r - 1).name,
                                             g_array_index (rows, Row, r).name), <=, 0);
      /* and once more after the sort ahead has had its idles */
      xp_tree_model_set_search (tree, NULL);
      xapi_test_wait_for (tree_same_as_fresh, &w, TIMEOUT_MS);
    }
}

typedef struct {
  XpTreeModel *tree;
  XpTreeModel *fresh;
  const char  *text;
  const char  *name;    /* a VM name */
  gboolean     found;   /* whether it is expected in the rows */
} WaitSettled;

/* The search rows list name (found) or not, and are those a new search
 * for the same text gives: objects added and removed while searching, and
 * a search ended and started again, leave no stale or missing rows. */
static gboolean
search_settled (gpointer data)
{
  WaitSettled *w = data;
  g_autoptr(GArray) typed = read_rows (xp_tree_model_get_model (w->tree));
  g_autoptr(GArray) afresh = NULL;

  xp_tree_model_set_search (w->fresh, NULL);
  xp_tree_model_set_search (w->fresh, w->text);
  afresh = read_rows (xp_tree_model_get_model (w->fresh));
  if ((find_row (typed, w->name) >= 0) != w->found || typed->len != afresh->len)
    return FALSE;
  for (guint r = 0; r < typed->len; r++)
    if (g_array_index (typed, Row, r).item != g_array_index (afresh, Row, r).item ||
        g_array_index (typed, Row, r).depth != 0)
      return FALSE;
  return TRUE;
}

static void
test_tree_search (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(XpTreeModel) tree = NULL;
  GListModel *vms;
  XapiVm *with_ip = NULL;
  const char *ip = NULL;

  if (f->sim == NULL)
    return;
  fixture_connect (f);
  tree = xp_tree_model_new (xp_connection_store_get_connections (f->store));

  xp_tree_model_set_search (tree, "WEB");
  {
    g_autoptr(GArray) rows = read_rows (xp_tree_model_get_model (tree));

    g_assert_cmpuint (rows->len, >=, 2);
    for (guint i = 0; i < rows->len; i++)
      {
        g_autofree char *folded = g_utf8_casefold (g_array_index (rows, Row, i).name, -1);
        g_assert_nonnull (strstr (folded, "web"));
        g_assert_cmpuint (g_array_index (rows, Row, i).depth, ==, 0);
      }
    g_assert_cmpint (find_row (rows, "web-01"), >=, 0);
    g_assert_cmpint (find_row (rows, "db-primary"), <, 0);
  }

  /* by UUID prefix and by guest IP */
  vms = xapi_cache_get_objects (xapi_connection_get_cache (f->conn), XAPI_TYPE_VM);
  for (guint i = 0; i < g_list_model_get_n_items (vms) && with_ip == NULL; i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);
      XapiObject *gm = xapi_cache_follow (xapi_connection_get_cache (f->conn), XAPI_OBJECT (vm), "guest_metrics");

      if (gm != NULL)
        {
          GHashTable *nets = xapi_vm_guest_metrics_get_networks (XAPI_VM_GUEST_METRICS (gm));
          GHashTableIter iter;
          gpointer value;

          g_hash_table_iter_init (&iter, nets);
          if (g_hash_table_iter_next (&iter, NULL, &value) && value && *(char *) value)
            {
              with_ip = vm;
              ip = value;
            }
        }
    }
  if (with_ip != NULL)
    {
      g_autoptr(GArray) rows = NULL;

      xp_tree_model_set_search (tree, ip);
      rows = read_rows (xp_tree_model_get_model (tree));
      g_assert_cmpint (find_row (rows, xapi_vm_get_name_label (with_ip)), >=, 0);
    }
  {
    g_autoptr(GArray) rows = NULL;
    g_autofree char *prefix = NULL;
    g_autoptr(XapiVm) vm = g_list_model_get_item (vms, 0);

    prefix = g_strndup (xapi_object_get_uuid (XAPI_OBJECT (vm)), 13);
    xp_tree_model_set_search (tree, prefix);
    rows = read_rows (xp_tree_model_get_model (tree));
    if (!xapi_vm_get_is_control_domain (vm) && !xp_vm_is_default_template (vm))
      g_assert_cmpint (find_row (rows, xapi_vm_get_name_label (vm)), >=, 0);
  }

  /* Typing on and erasing (the filter only re-checks what can change)
   * gives the same rows as searching afresh. */
  {
    g_autoptr(XpTreeModel) fresh = xp_tree_model_new (xp_connection_store_get_connections (f->store));
    const char *steps[] = { "w", "we", "web", "web-0", "web", "we", "1", "10", "1" };

    for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
      {
        g_autoptr(GArray) typed = NULL;
        g_autoptr(GArray) afresh = NULL;

        xp_tree_model_set_search (tree, steps[i]);
        xp_tree_model_set_search (fresh, NULL);
        xp_tree_model_set_search (fresh, steps[i]);
        typed = read_rows (xp_tree_model_get_model (tree));
        afresh = read_rows (xp_tree_model_get_model (fresh));
        g_assert_cmpuint (typed->len, ==, afresh->len);
        for (guint r = 0; r < typed->len; r++)
          g_assert_true (g_array_index (typed, Row, r).item == g_array_index (afresh, Row, r).item);
      }
  }

  /* The folded names and tags are cached: a new tag and a new name are
   * found, the old name no longer. */
  {
    g_autoptr(XapiVm) vm = NULL;
    g_autofree char *old_name = NULL;
    WaitSearch w = { tree, NULL, NULL, TRUE };
    const char *ref;

    for (guint i = g_list_model_get_n_items (vms); vm == NULL && i > 0; i--)
      {
        g_autoptr(XapiVm) candidate = g_list_model_get_item (vms, i - 1);

        if (!xapi_vm_get_is_control_domain (candidate) && !xapi_vm_get_is_a_template (candidate) &&
            !xapi_vm_get_is_a_snapshot (candidate))
          vm = g_steal_pointer (&candidate);
      }
    g_assert_nonnull (vm);
    ref = xapi_object_get_ref (XAPI_OBJECT (vm));
    w.item = vm;
    old_name = g_strdup (xapi_vm_get_name_label (vm));

    w.text = "Perf-Tag-Ü";
    xp_tree_model_set_search (tree, w.text);
    g_assert_false (search_finds (&w));
    mutate (f, "VM", ref, "tags", "[\"perf-tag-ü 7\"]");
    g_assert_true (xapi_test_wait_for (search_finds, &w, TIMEOUT_MS));

    w.text = "renamed-for-search";
    xp_tree_model_set_search (tree, w.text);
    g_assert_false (search_finds (&w));
    mutate (f, "VM", ref, "name_label", "\"Renamed-For-Search 2\"");
    g_assert_true (xapi_test_wait_for (search_finds, &w, TIMEOUT_MS));
    w.text = old_name;
    w.found = FALSE;
    xp_tree_model_set_search (tree, w.text);
    g_assert_true (search_finds (&w));

    /* a tag given while no search runs is found by the next one */
    xp_tree_model_set_search (tree, NULL);
    mutate (f, "VM", ref, "tags", "[\"quiet-tag\"]");
    g_assert_true (xapi_test_wait_for (vm_has_tag, vm, TIMEOUT_MS));
    w.text = "Quiet-Tag";
    w.found = TRUE;
    g_assert_true (xapi_test_wait_for (search_finds, &w, TIMEOUT_MS));
  }

  /* VMs added and removed while searching, typing on meanwhile; then the
   * search ended and started again (its rows were kept meanwhile). */
  {
    g_autoptr(XpTreeModel) fresh = xp_tree_model_new (xp_connection_store_get_connections (f->store));
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *clone = NULL;
    WaitSettled w = { tree, fresh, "web", "web-clone 3", TRUE };

    const char *halted = NULL;

    /* a clone of a halted VM, named to be found */
    for (guint i = 0; i < g_list_model_get_n_items (vms) && halted == NULL; i++)
      {
        g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);

        if (!xapi_vm_get_is_control_domain (vm) && !xapi_vm_get_is_a_template (vm) &&
            !xapi_vm_get_is_a_snapshot (vm) && xapi_vm_get_power_state (vm) == XAPI_VM_POWER_STATE_HALTED)
          halted = xapi_object_get_ref (XAPI_OBJECT (vm));  /* the cache keeps it */
      }
    g_assert_nonnull (halted);
    xp_tree_model_set_search (tree, "we");
    xapi_vm_clone_async (f->conn, halted, "web-clone 3", NULL, xapi_test_store_result, &result);
    xp_tree_model_set_search (tree, "web");
    xapi_test_wait_result (&result, TIMEOUT_MS);
    clone = xapi_vm_clone_finish (f->conn, result, &error);
    g_assert_no_error (error);
    g_assert_true (xapi_test_wait_for (search_settled, &w, TIMEOUT_MS));

    w.text = "web-c";
    xp_tree_model_set_search (tree, w.text);
    g_assert_true (search_settled (&w));

    g_clear_object (&result);
    xapi_vm_destroy_async (f->conn, clone, NULL, xapi_test_store_result, &result);
    xp_tree_model_set_search (tree, "web-");
    xapi_test_wait_result (&result, TIMEOUT_MS);
    g_assert_true (xapi_vm_destroy_finish (f->conn, result, &error));
    g_assert_no_error (error);
    w.text = "web-";
    w.found = FALSE;
    g_assert_true (xapi_test_wait_for (search_settled, &w, TIMEOUT_MS));

    xp_tree_model_set_search (tree, NULL);
    g_assert_false (xp_tree_model_get_searching (tree));
    w.text = "1";
    xp_tree_model_set_search (tree, w.text);
    g_assert_true (xp_tree_model_get_searching (tree));
    g_assert_true (search_settled (&w));
  }

  /* back to the tree */
  xp_tree_model_set_search (tree, "  ");
  {
    g_autoptr(GArray) rows = read_rows (xp_tree_model_get_model (tree));
    g_assert_true (XAPI_IS_CONNECTION (g_array_index (rows, Row, 0).item));
  }
}

static void
test_tree_objects (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(XpTreeModel) tree = NULL;
  g_autoptr(GArray) rows = NULL;
  GListModel *vms;
  guint n_plain = 0, n_listed = 0;
  int group;

  if (f->sim == NULL)
    return;
  fixture_connect (f);
  tree = xp_tree_model_new (xp_connection_store_get_connections (f->store));
  xp_tree_model_set_view (tree, XP_TREE_VIEW_OBJECTS);
  rows = read_rows (xp_tree_model_get_model (tree));
  g_assert_true (XP_IS_TREE_GROUP (g_array_index (rows, Row, 0).item));
  group = find_row (rows, "Virtual Machines");
  g_assert_cmpint (group, >=, 0);

  {
    g_autoptr(GtkTreeListRow) row = g_list_model_get_item (xp_tree_model_get_model (tree), group);
    gtk_tree_list_row_set_expanded (row, TRUE);
  }
  g_clear_pointer (&rows, g_array_unref);
  rows = read_rows (xp_tree_model_get_model (tree));
  for (guint i = group + 1; i < rows->len && g_array_index (rows, Row, i).depth == 1; i++)
    {
      g_assert_true (XAPI_IS_VM (g_array_index (rows, Row, i).item));
      n_listed++;
    }
  vms = xapi_cache_get_objects (xapi_connection_get_cache (f->conn), XAPI_TYPE_VM);
  for (guint i = 0; i < g_list_model_get_n_items (vms); i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);
      if (!xapi_vm_get_is_a_template (vm) && !xapi_vm_get_is_a_snapshot (vm) &&
          !xapi_vm_get_is_control_domain (vm))
        n_plain++;
    }
  g_assert_cmpuint (n_listed, ==, n_plain);
  g_assert_cmpuint (n_plain, >, 5);
}

/* ---- connection store ---- */

static char *
read_ini (Fixture *f)
{
  g_autofree char *contents = NULL;

  g_assert_true (g_file_get_contents (xp_connection_store_get_path (f->store), &contents, NULL, NULL));
  return g_steal_pointer (&contents);
}

static void
test_store_roundtrip (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(XpConnectionStore) again = NULL;
  g_autofree char *ini = NULL;
  XapiConnection *a, *b, *found;

  if (f->sim == NULL)
    return;

  g_assert_null (xp_connection_store_add (f->store, "not a host", "root", 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  a = xp_connection_store_add (f->store, "pool-a.example.org:8443", "admin",
                               XP_CONNECTION_AUTO_CONNECT | XP_CONNECTION_REMEMBER_PASSWORD, &error);
  g_assert_no_error (error);
  xapi_connection_set_pinned_fingerprint (a, "AA:BB:CC");
  xapi_connection_set_password (a, "hunter2-never-on-disk");
  b = xp_connection_store_add (f->store, "10.0.0.9", "root", 0, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (xapi_connection_get_initial_uri (b), "https://10.0.0.9"));
  xp_connection_store_add (f->store, "https://127.0.0.1:1", "root", XP_CONNECTION_TRANSIENT, &error);
  g_assert_no_error (error);
  g_assert_true (xp_connection_store_save (f->store, &error));
  g_assert_no_error (error);

  ini = read_ini (f);
  g_assert_nonnull (strstr (ini, "pool-a.example.org:8443"));
  g_assert_nonnull (strstr (ini, "AA:BB:CC"));
  g_assert_null (strstr (ini, "hunter2"));
  g_assert_null (strstr (ini, "127.0.0.1:1"));  /* transient */

  again = xp_connection_store_new (f->dir);
  g_assert_true (xp_connection_store_load (again, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (xp_connection_store_get_connections (again)), ==, 2);
  found = xp_connection_store_find (again, "pool-a.example.org:8443");
  g_assert_nonnull (found);
  g_assert_cmpstr (xapi_connection_get_username (found), ==, "admin");
  g_assert_cmpstr (xapi_connection_get_pinned_fingerprint (found), ==, "AA:BB:CC");
  g_assert_cmpint (xp_connection_get_flags (found), ==,
                   XP_CONNECTION_AUTO_CONNECT | XP_CONNECTION_REMEMBER_PASSWORD);
  g_assert_cmpstr (xapi_connection_get_initial_uri (found), ==, "https://pool-a.example.org:8443");

  /* remove updates the file */
  xp_connection_store_remove (f->store, b);
  g_free (ini);
  ini = read_ini (f);
  g_assert_null (strstr (ini, "10.0.0.9"));
  g_assert_nonnull (strstr (ini, "pool-a.example.org"));
}

typedef struct {
  char     *fingerprint;
  gboolean  changed;
  guint     count;
} CertProblem;

static void
cert_problem_cb (XpConnectionStore *store,
                 XapiConnection    *conn,
                 const char        *fingerprint,
                 gboolean           changed,
                 CertProblem       *cp)
{
  g_free (cp->fingerprint);
  cp->fingerprint = g_strdup (fingerprint);
  cp->changed = changed;
  cp->count++;
}

static gboolean
got_problem (gpointer data)
{
  return ((CertProblem *) data)->count > 0;
}

static void
test_store_trust (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ini = NULL;
  CertProblem cp = { 0 };
  XapiConnection *conn;
  gulong id;

  if (f->sim == NULL)
    return;
  g_assert_nonnull (f->sim->fingerprint);

  id = g_signal_connect (f->store, "certificate-problem", G_CALLBACK (cert_problem_cb), &cp);
  conn = xp_connection_store_add (f->store, f->sim->url, "root", 0, &error);
  g_assert_no_error (error);
  f->conn = conn;

  /* first use: refused until trusted, with the server's real fingerprint */
  xp_connection_store_connect (f->store, conn, "pw");
  g_assert_true (xapi_test_wait_for (got_problem, &cp, TIMEOUT_MS));
  g_assert_cmpstr (cp.fingerprint, ==, f->sim->fingerprint);
  g_assert_false (cp.changed);
  g_assert_cmpint (xapi_connection_get_state (conn), !=, XAPI_CONNECTION_STATE_CONNECTED);

  xp_connection_store_trust (f->store, conn, cp.fingerprint);
  g_assert_true (xapi_test_wait_for (conn_is_connected, conn, TIMEOUT_MS));
  ini = read_ini (f);
  g_assert_nonnull (strstr (ini, f->sim->fingerprint));
  g_assert_null (strstr (ini, "pw\n"));

  /* a different pinned certificate: refused, reported as changed */
  xp_connection_store_close_all (f->store);
  g_assert_true (xapi_test_wait_for (conn_is_disconnected, conn, TIMEOUT_MS));
  xapi_connection_set_pinned_fingerprint (conn, "00:11:22:33");
  cp.count = 0;
  xp_connection_store_connect (f->store, conn, "pw");
  g_assert_true (xapi_test_wait_for (got_problem, &cp, TIMEOUT_MS));
  g_assert_true (cp.changed);
  g_assert_cmpstr (cp.fingerprint, ==, f->sim->fingerprint);
  g_assert_cmpint (xapi_connection_get_state (conn), !=, XAPI_CONNECTION_STATE_CONNECTED);

  g_signal_handler_disconnect (f->store, id);
  g_free (cp.fingerprint);
}

/* ---- tasks and alerts ---- */

typedef struct {
  GListModel *model;
  const char *ref;
} InModel;

static gboolean
ref_in_model (gpointer data)
{
  InModel *im = data;
  guint n = g_list_model_get_n_items (im->model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(XapiObject) obj = g_list_model_get_item (im->model, i);
      if (g_strcmp0 (xapi_object_get_ref (obj), im->ref) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
model_is_empty (gpointer data)
{
  return g_list_model_get_n_items (data) == 0;
}

static void
test_task_view (Fixture       *f,
                gconstpointer  data)
{
  GtkWidget *view;
  g_autofree char *session = NULL;
  g_autofree char *params = NULL;
  g_autoptr(JsonNode) reply = NULL;
  GListModel *vms;
  const char *vm_ref = NULL;
  InModel im;

  if (f->sim == NULL)
    return;
  fixture_connect (f);
  view = g_object_ref_sink (xp_task_view_new (xp_connection_store_get_connections (f->store)));

  /* a task started by another client shows up */
  vms = xapi_cache_get_objects (xapi_connection_get_cache (f->conn), XAPI_TYPE_VM);
  for (guint i = 0; i < g_list_model_get_n_items (vms) && vm_ref == NULL; i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);
      if (!xapi_vm_get_is_a_template (vm) && !xapi_vm_get_is_control_domain (vm) &&
          xapi_vm_get_power_state (vm) == XAPI_VM_POWER_STATE_RUNNING)
        vm_ref = xapi_object_get_ref (XAPI_OBJECT (vm));
    }
  g_assert_nonnull (vm_ref);
  session = xapi_sim_raw_login (f->sim);
  params = g_strdup_printf ("[\"%s\",\"%s\"]", session, vm_ref);
  reply = xapi_sim_raw_call (f->sim, NULL, "Async.VM.clean_reboot", params);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (reply));
  im.model = xp_task_view_get_model (XP_TASK_VIEW (view));
  im.ref = json_object_get_string_member (json_node_get_object (reply), "result");
  g_assert_nonnull (im.ref);
  g_assert_true (xapi_test_wait_for (ref_in_model, &im, TIMEOUT_MS));

  gtk_widget_unparent (view);
  g_object_unref (view);
}

typedef struct {
  GPtrArray *finished;   /* task refs */
} LongTasks;

static void
long_task_cb (XpTaskView *view,
              XapiTask   *task,
              LongTasks  *lt)
{
  g_assert_cmpint (xapi_task_get_status (task), !=, XAPI_TASK_STATUS_TYPE_PENDING);
  g_ptr_array_add (lt->finished, g_strdup (xapi_object_get_ref (XAPI_OBJECT (task))));
}

static gboolean
long_task_seen (gpointer data)
{
  return ((LongTasks *) data)->finished->len > 0;
}

static void
test_task_long_finished (Fixture       *f,
                         gconstpointer  data)
{
  GtkWidget *quick, *patient;
  g_autofree char *session = NULL;
  g_autofree char *params = NULL;
  g_autoptr(JsonNode) reply = NULL;
  LongTasks any = { g_ptr_array_new_with_free_func (g_free) };
  LongTasks long_only = { g_ptr_array_new_with_free_func (g_free) };
  const char *vm_ref = NULL, *task_ref;
  GListModel *vms;

  if (f->sim == NULL)
    return;
  fixture_connect (f);
  /* one view counts every task as long, the other keeps the default */
  quick = g_object_ref_sink (xp_task_view_new (xp_connection_store_get_connections (f->store)));
  xp_task_view_set_long_task_ms (XP_TASK_VIEW (quick), 0);
  g_signal_connect (quick, "long-task-finished", G_CALLBACK (long_task_cb), &any);
  patient = g_object_ref_sink (xp_task_view_new (xp_connection_store_get_connections (f->store)));
  g_signal_connect (patient, "long-task-finished", G_CALLBACK (long_task_cb), &long_only);

  vms = xapi_cache_get_objects (xapi_connection_get_cache (f->conn), XAPI_TYPE_VM);
  for (guint i = 0; i < g_list_model_get_n_items (vms) && vm_ref == NULL; i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);
      if (!xapi_vm_get_is_a_template (vm) && !xapi_vm_get_is_control_domain (vm) &&
          xapi_vm_get_power_state (vm) == XAPI_VM_POWER_STATE_RUNNING)
        vm_ref = xapi_object_get_ref (XAPI_OBJECT (vm));
    }
  g_assert_nonnull (vm_ref);
  session = xapi_sim_raw_login (f->sim);
  params = g_strdup_printf ("[\"%s\",\"%s\"]", session, vm_ref);
  reply = xapi_sim_raw_call (f->sim, NULL, "Async.VM.clean_reboot", params);
  task_ref = json_object_get_string_member (json_node_get_object (reply), "result");
  g_assert_nonnull (task_ref);

  g_assert_true (xapi_test_wait_for (long_task_seen, &any, TIMEOUT_MS));
  g_assert_cmpstr (g_ptr_array_index (any.finished, 0), ==, task_ref);
  g_assert_cmpuint (any.finished->len, ==, 1);
  g_assert_cmpuint (long_only.finished->len, ==, 0);  /* a reboot here takes far less than 10 s */

  /* the notification names the task and its VM */
  {
    XapiObject *task = xapi_cache_lookup (xapi_connection_get_cache (f->conn), task_ref);

    if (task != NULL)
      {
        g_autoptr(GNotification) n = xp_task_view_build_notification (XAPI_TASK (task));
        g_assert_nonnull (n);
      }
  }

  gtk_widget_unparent (quick);
  g_object_unref (quick);
  gtk_widget_unparent (patient);
  g_object_unref (patient);
  g_ptr_array_unref (any.finished);
  g_ptr_array_unref (long_only.finished);
}

static void
test_alerts_view (Fixture       *f,
                  gconstpointer  data)
{
  GtkWidget *view;
  GListModel *model;
  g_autofree char *session = NULL;
  g_autofree char *params = NULL;
  g_autoptr(JsonNode) reply = NULL;
  JsonNode *result;

  if (f->sim == NULL)
    return;
  fixture_connect (f);
  view = g_object_ref_sink (xp_alerts_view_new (xp_connection_store_get_connections (f->store)));
  model = xp_alerts_view_get_model (XP_ALERTS_VIEW (view));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==,
                    g_list_model_get_n_items (xapi_cache_get_objects (xapi_connection_get_cache (f->conn),
                                                                      XAPI_TYPE_MESSAGE)));
  g_assert_cmpuint (g_list_model_get_n_items (model), >=, 1);

  /* newest first */
  for (guint i = 1; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(XapiMessage) a = g_list_model_get_item (model, i - 1);
      g_autoptr(XapiMessage) b = g_list_model_get_item (model, i);
      if (xapi_message_get_timestamp (a) && xapi_message_get_timestamp (b))
        g_assert_cmpint (g_date_time_compare (xapi_message_get_timestamp (a),
                                              xapi_message_get_timestamp (b)), >=, 0);
    }

  xp_alerts_view_dismiss_all (XP_ALERTS_VIEW (view));
  g_assert_true (xapi_test_wait_for (model_is_empty, model, TIMEOUT_MS));

  /* gone on the server too */
  session = xapi_sim_raw_login (f->sim);
  params = g_strdup_printf ("[\"%s\"]", session);
  reply = xapi_sim_raw_call (f->sim, NULL, "message.get_all", params);
  result = json_object_get_member (json_node_get_object (reply), "result");
  g_assert_nonnull (result);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (result)), ==, 0);

  gtk_widget_unparent (view);
  g_object_unref (view);
}

/* ---- the window ---- */

static gboolean
action_enabled (GActionGroup *group,
                const char   *name)
{
  return g_action_group_get_action_enabled (group, name);
}

static void
test_window_actions (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(XpApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  XpConnectionStore *store;
  XapiConnection *conn;
  XpWindow *window;
  GActionGroup *actions;

  if (f->sim == NULL)
    return;

  app = xp_application_new ();
  g_application_set_flags (G_APPLICATION (app),
                           G_APPLICATION_NON_UNIQUE | G_APPLICATION_HANDLES_COMMAND_LINE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  store = xp_application_get_connection_store (XP_APPLICATION (app));
  g_assert_nonnull (store);

  window = xp_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  actions = G_ACTION_GROUP (window);

  conn = xp_connection_store_add (store, f->sim->url, "root", XP_CONNECTION_TRANSIENT, &error);
  g_assert_no_error (error);
  xp_connection_store_connect (store, conn, "pw");
  g_assert_true (xapi_test_wait_for (conn_is_connected, conn, TIMEOUT_MS));

  g_assert_false (action_enabled (actions, "server-disconnect"));
  xp_window_show_connection (window, conn);
  g_assert_true (action_enabled (actions, "server-disconnect"));
  g_assert_false (action_enabled (actions, "server-connect"));
  g_assert_false (action_enabled (actions, "server-forget-password"));  /* transient */

  g_action_group_activate_action (actions, "server-disconnect", NULL);
  g_assert_true (xapi_test_wait_for (conn_is_disconnected, conn, TIMEOUT_MS));
  g_assert_true (action_enabled (actions, "server-connect"));
  g_action_group_activate_action (actions, "server-connect", NULL);
  g_assert_true (xapi_test_wait_for (conn_is_connected, conn, TIMEOUT_MS));

  /* selecting a VM row keeps its connection's actions */
  {
    XapiObject *vm = NULL;
    GListModel *vms = xapi_cache_get_objects (xapi_connection_get_cache (conn), XAPI_TYPE_VM);
    g_autoptr(GPtrArray) selection = NULL;

    for (guint i = 0; i < g_list_model_get_n_items (vms) && vm == NULL; i++)
      {
        g_autoptr(XapiObject) candidate = g_list_model_get_item (vms, i);
        if (g_strcmp0 (xapi_vm_get_name_label (XAPI_VM (candidate)), "web-01") == 0)
          vm = candidate;
      }
    g_assert_nonnull (vm);
    iterate_idle ();
    g_assert_true (xp_sidebar_select_item (xp_window_get_sidebar (window), G_OBJECT (vm)));
    selection = xp_sidebar_get_selection (xp_window_get_sidebar (window));
    g_assert_cmpuint (selection->len, ==, 1);
    g_assert_true (g_ptr_array_index (selection, 0) == (gpointer) vm);
    g_assert_true (action_enabled (actions, "server-disconnect"));
  }

  xp_connection_store_close_all (store);
  g_assert_true (xapi_test_wait_for (conn_is_disconnected, conn, TIMEOUT_MS));
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *home = g_dir_make_tmp ("xp-shell-home-XXXXXX", NULL);
  g_autofree char *config = g_build_filename (home, "config", NULL);
  int ret;

  /* The application reads its saved connections from here. */
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);

  g_test_init (&argc, &argv, NULL);
  gtk_init_check ();
  adw_init ();

  g_test_add ("/shell/tree/infrastructure", Fixture, NULL, fixture_setup, test_tree_infrastructure, fixture_teardown);
  g_test_add ("/shell/tree/golden", Fixture, NULL, fixture_setup_no_sim, test_tree_golden, fixture_teardown);
  g_test_add ("/shell/tree/placed-while-syncing", Fixture, NULL, fixture_setup_no_sim,
              test_tree_placed_while_syncing, fixture_teardown);
  g_test_add ("/shell/tree/tags-folders", Fixture, NULL, fixture_setup, test_tree_tags_folders, fixture_teardown);
  g_test_add ("/shell/tree/master-first", Fixture, NULL, fixture_setup, test_tree_master_first, fixture_teardown);
  g_test_add ("/shell/tree/search", Fixture, NULL, fixture_setup, test_tree_search, fixture_teardown);
  g_test_add ("/shell/tree/objects", Fixture, NULL, fixture_setup, test_tree_objects, fixture_teardown);
  g_test_add ("/shell/store/roundtrip", Fixture, NULL, fixture_setup, test_store_roundtrip, fixture_teardown);
  g_test_add ("/shell/store/trust", Fixture, NULL, fixture_setup, test_store_trust, fixture_teardown);
  g_test_add ("/shell/tasks/foreign", Fixture, NULL, fixture_setup, test_task_view, fixture_teardown);
  g_test_add ("/shell/tasks/long-finished", Fixture, NULL, fixture_setup, test_task_long_finished, fixture_teardown);
  g_test_add ("/shell/alerts/dismiss-all", Fixture, NULL, fixture_setup, test_alerts_view, fixture_teardown);
  g_test_add ("/shell/window/server-actions", Fixture, NULL, fixture_setup, test_window_actions, fixture_teardown);

  ret = g_test_run ();
  g_rmdir (config);
  g_rmdir (home);
  return ret;
}
