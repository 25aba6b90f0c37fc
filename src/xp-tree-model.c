/* xp-tree-model.c: the sidebar's live tree (GtkTreeListModel over the caches)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Nothing here is rebuilt on events.  Every level is a chain of list models
 * over the cache's per-class GListStores: GtkFilterListModel (placement:
 * which host a VM lives on, local vs. shared SRs, templates), then
 * GtkSortListModel (natural order), glued with GtkFlattenListModel.  Store
 * adds/removes flow through the chain by themselves; only the fields a filter
 * or a sorter looks at need a nudge, and those are coalesced: one
 * gtk_filter_changed / gtk_sorter_changed per main-loop idle, whatever the
 * number of objects that changed (see XpPlacement).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include <xapi-error.h>

#include "xp-tree-model.h"

/* ------------------------------------------------------------------------ */
/* XpTreeGroup                                                              */

struct _XpTreeGroup
{
  GObject     parent_instance;
  char       *title;
  char       *icon_name;
  GListModel *model;
};

G_DEFINE_FINAL_TYPE (XpTreeGroup, xp_tree_group, G_TYPE_OBJECT)

static void
xp_tree_group_finalize (GObject *object)
{
  XpTreeGroup *self = XP_TREE_GROUP (object);

  g_free (self->title);
  g_free (self->icon_name);
  g_clear_object (&self->model);
  G_OBJECT_CLASS (xp_tree_group_parent_class)->finalize (object);
}

static void
xp_tree_group_class_init (XpTreeGroupClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = xp_tree_group_finalize;
}

static void
xp_tree_group_init (XpTreeGroup *self)
{
}

static XpTreeGroup *
xp_tree_group_new (const char *title,
                   const char *icon_name,
                   GListModel *model)  /* transfer full */
{
  XpTreeGroup *self = g_object_new (XP_TYPE_TREE_GROUP, NULL);

  self->title = g_strdup (title);
  self->icon_name = g_strdup (icon_name);
  self->model = model;
  return self;
}

const char *
xp_tree_group_get_title (XpTreeGroup *self)
{
  g_return_val_if_fail (XP_IS_TREE_GROUP (self), NULL);
  return self->title;
}

const char *
xp_tree_group_get_icon_name (XpTreeGroup *self)
{
  g_return_val_if_fail (XP_IS_TREE_GROUP (self), NULL);
  return self->icon_name;
}

GListModel *
xp_tree_group_get_model (XpTreeGroup *self)
{
  g_return_val_if_fail (XP_IS_TREE_GROUP (self), NULL);
  return self->model;
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

int
xp_natural_compare (const char *a,
                    const char *b)
{
  a = a ? a : "";
  b = b ? b : "";

  while (*a && *b)
    {
      if (g_ascii_isdigit (*a) && g_ascii_isdigit (*b))
        {
          const char *sa, *sb;
          gsize la, lb;
          int c;

          while (*a == '0' && g_ascii_isdigit (a[1]))
            a++;
          while (*b == '0' && g_ascii_isdigit (b[1]))
            b++;
          for (sa = a; g_ascii_isdigit (*a); a++)
            ;
          for (sb = b; g_ascii_isdigit (*b); b++)
            ;
          la = a - sa;
          lb = b - sb;
          if (la != lb)
            return la < lb ? -1 : 1;
          c = strncmp (sa, sb, la);
          if (c != 0)
            return c;
          continue;
        }
      else
        {
          int ca = g_ascii_tolower (*a), cb = g_ascii_tolower (*b);

          if (ca != cb)
            return ca < cb ? -1 : 1;
          a++;
          b++;
        }
    }

  if (*a == *b)
    return 0;
  return *a ? 1 : -1;
}

gboolean
xp_vm_is_default_template (XapiVm *vm)
{
  GHashTable *oc = xapi_vm_get_other_config (vm);
  const char *v = oc ? g_hash_table_lookup (oc, "default_template") : NULL;

  return v != NULL && g_ascii_strcasecmp (v, "true") == 0;
}

static const char *
object_name_label (GObject *item)
{
  if (XAPI_IS_VM (item))
    return xapi_vm_get_name_label (XAPI_VM (item));
  if (XAPI_IS_HOST (item))
    return xapi_host_get_name_label (XAPI_HOST (item));
  if (XAPI_IS_SR (item))
    return xapi_sr_get_name_label (XAPI_SR (item));
  if (XAPI_IS_NETWORK (item))
    return xapi_network_get_name_label (XAPI_NETWORK (item));
  if (XAPI_IS_POOL (item))
    return xapi_pool_get_name_label (XAPI_POOL (item));
  return NULL;
}

char *
xp_object_dup_display_name (GObject *item)
{
  const char *name;

  if (item == NULL)
    return g_strdup ("");
  if (XP_IS_TREE_GROUP (item))
    return g_strdup (XP_TREE_GROUP (item)->title);
  if (XAPI_IS_CONNECTION (item))
    {
      XapiConnection *conn = XAPI_CONNECTION (item);
      XapiCache *cache = xapi_connection_get_cache (conn);
      XapiObject *pool = cache ? xapi_cache_get_pool (cache) : NULL;
      const char *address = g_object_get_data (item, "xp-address");
      g_autoptr(GUri) uri = NULL;

      /* The server as the user knows it; the pool is the row below. */
      if (address != NULL && *address && strstr (address, "://") == NULL)
        return g_strdup (address);
      uri = g_uri_parse (xapi_connection_get_initial_uri (conn), G_URI_FLAGS_NONE, NULL);
      if (uri != NULL && g_uri_get_port (uri) > 0)
        return g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));
      if (uri != NULL)
        return g_strdup (g_uri_get_host (uri));
      (void) pool;
      return g_strdup (xapi_connection_get_initial_uri (conn));
    }
  if (XAPI_IS_POOL (item))
    {
      XapiPool *pool = XAPI_POOL (item);
      XapiConnection *conn;
      XapiObject *master;

      if (*xapi_pool_get_name_label (pool))
        return g_strdup (xapi_pool_get_name_label (pool));
      conn = xapi_object_get_connection (XAPI_OBJECT (pool));
      master = conn ? xapi_cache_follow (xapi_connection_get_cache (conn),
                                         XAPI_OBJECT (pool), "master") : NULL;
      if (master != NULL)
        return g_strdup (xapi_host_get_name_label (XAPI_HOST (master)));
      return g_strdup (_("Pool"));
    }

  name = object_name_label (item);
  if (name != NULL && *name)
    return g_strdup (name);
  if (XAPI_IS_OBJECT (item))
    return g_strdup (xapi_object_get_uuid (XAPI_OBJECT (item)));
  return g_strdup ("");
}

const char *
xp_object_get_icon_name (GObject *item)
{
  if (XP_IS_TREE_GROUP (item))
    return XP_TREE_GROUP (item)->icon_name;
  if (XAPI_IS_CONNECTION (item))
    {
      switch (xapi_connection_get_state (XAPI_CONNECTION (item)))
        {
        case XAPI_CONNECTION_STATE_CONNECTED:
          return "network-server-symbolic";
        case XAPI_CONNECTION_STATE_FAILED:
          return "dialog-warning-symbolic";
        case XAPI_CONNECTION_STATE_DISCONNECTED:
          return "network-offline-symbolic";
        default:
          return "network-wired-acquiring-symbolic";
        }
    }
  if (XAPI_IS_POOL (item))
    return "network-workgroup-symbolic";
  if (XAPI_IS_HOST (item))
    return xapi_host_get_enabled (XAPI_HOST (item)) ? "computer-symbolic" : "computer-fail-symbolic";
  if (XAPI_IS_VM (item))
    {
      XapiVm *vm = XAPI_VM (item);

      if (xapi_vm_get_is_a_snapshot (vm))
        return "camera-photo-symbolic";
      if (xapi_vm_get_is_a_template (vm))
        return "folder-templates-symbolic";
      switch (xapi_vm_get_power_state (vm))
        {
        case XAPI_VM_POWER_STATE_RUNNING:
          return "media-playback-start-symbolic";
        case XAPI_VM_POWER_STATE_PAUSED:
        case XAPI_VM_POWER_STATE_SUSPENDED:
          return "media-playback-pause-symbolic";
        default:
          return "media-playback-stop-symbolic";
        }
    }
  if (XAPI_IS_SR (item))
    {
      const char *ct = xapi_sr_get_content_type (XAPI_SR (item));

      if (g_strcmp0 (ct, "iso") == 0)
        return "media-optical-symbolic";
      if (g_strcmp0 (xapi_sr_get_type_field (XAPI_SR (item)), "udev") == 0)
        return "drive-removable-media-symbolic";
      return "drive-harddisk-symbolic";
    }
  if (XAPI_IS_NETWORK (item))
    return "network-wired-symbolic";
  return "image-missing-symbolic";
}

char *
xp_object_dup_state_text (GObject  *item,
                          gboolean *is_error)
{
  *is_error = FALSE;

  if (XAPI_IS_CONNECTION (item))
    {
      XapiConnection *conn = XAPI_CONNECTION (item);
      const GError *error;

      switch (xapi_connection_get_state (conn))
        {
        case XAPI_CONNECTION_STATE_DISCONNECTED:
          return g_strdup (_("Disconnected"));
        case XAPI_CONNECTION_STATE_CONNECTING:
          return g_strdup (_("Connecting…"));
        case XAPI_CONNECTION_STATE_SYNCING:
          /* TRANSLATORS: %d is a percentage */
          return g_strdup_printf (_("Synchronizing %d %%"),
                                  (int) (100 * xapi_connection_get_sync_progress (conn)));
        case XAPI_CONNECTION_STATE_CONNECTED:
          return g_strdup (_("Connected"));
        case XAPI_CONNECTION_STATE_RECONNECTING:
          return g_strdup_printf (_("Reconnecting in %u s"),
                                  xapi_connection_get_reconnect_in (conn));
        case XAPI_CONNECTION_STATE_FAILED:
          *is_error = TRUE;
          error = xapi_connection_get_error (conn);
          if (error != NULL)
            {
              g_autofree char *text = xapi_error_describe (error, FALSE);
              return g_strdup_printf (_("Failed: %s"), text);
            }
          return g_strdup (_("Failed"));
        default:
          return NULL;
        }
    }
  if (XAPI_IS_VM (item))
    {
      XapiVm *vm = XAPI_VM (item);

      if (xapi_vm_get_is_a_template (vm) || xapi_vm_get_is_a_snapshot (vm))
        return NULL;
      switch (xapi_vm_get_power_state (vm))
        {
        case XAPI_VM_POWER_STATE_RUNNING:
          return g_strdup (_("Running"));
        case XAPI_VM_POWER_STATE_HALTED:
          return g_strdup (_("Halted"));
        case XAPI_VM_POWER_STATE_PAUSED:
          return g_strdup (_("Paused"));
        case XAPI_VM_POWER_STATE_SUSPENDED:
          return g_strdup (_("Suspended"));
        default:
          return g_strdup (_("Unknown"));
        }
    }
  if (XAPI_IS_HOST (item) && !xapi_host_get_enabled (XAPI_HOST (item)))
    return g_strdup (_("Maintenance mode"));
  return NULL;
}

static gboolean
strv_matches (const char * const *strv,
              const char         *folded)
{
  for (; strv != NULL && *strv != NULL; strv++)
    {
      g_autofree char *f = g_utf8_casefold (*strv, -1);
      if (strstr (f, folded) != NULL)
        return TRUE;
    }
  return FALSE;
}

gboolean
xp_object_matches_search (XapiObject *object,
                          const char *folded)
{
  g_autofree char *name = NULL;
  g_autofree char *fname = NULL;
  const char *uuid;

  if (folded == NULL || *folded == '\0')
    return TRUE;

  name = xp_object_dup_display_name (G_OBJECT (object));
  fname = g_utf8_casefold (name, -1);
  if (strstr (fname, folded) != NULL)
    return TRUE;

  uuid = xapi_object_get_uuid (object);
  if (uuid != NULL && g_str_has_prefix (uuid, folded))
    return TRUE;

  if (XAPI_IS_VM (object))
    {
      XapiVm *vm = XAPI_VM (object);
      XapiConnection *conn = xapi_object_get_connection (object);
      XapiObject *gm;

      if (strv_matches (xapi_vm_get_tags (vm), folded))
        return TRUE;
      gm = conn ? xapi_cache_follow (xapi_connection_get_cache (conn), object, "guest_metrics") : NULL;
      if (gm != NULL && XAPI_IS_VM_GUEST_METRICS (gm))
        {
          GHashTable *nets = xapi_vm_guest_metrics_get_networks (XAPI_VM_GUEST_METRICS (gm));
          GHashTableIter iter;
          gpointer value;

          g_hash_table_iter_init (&iter, nets);
          while (g_hash_table_iter_next (&iter, NULL, &value))
            if (value != NULL && g_str_has_prefix (value, folded))
              return TRUE;
        }
    }
  else if (XAPI_IS_HOST (object))
    {
      if (g_str_has_prefix (xapi_host_get_address (XAPI_HOST (object)), folded))
        return TRUE;
      if (strv_matches (xapi_host_get_tags (XAPI_HOST (object)), folded))
        return TRUE;
    }
  else if (XAPI_IS_SR (object))
    return strv_matches (xapi_sr_get_tags (XAPI_SR (object)), folded);
  else if (XAPI_IS_NETWORK (object))
    return strv_matches (xapi_network_get_tags (XAPI_NETWORK (object)), folded);
  else if (XAPI_IS_POOL (object))
    return strv_matches (xapi_pool_get_tags (XAPI_POOL (object)), folded);

  return FALSE;
}

/* ------------------------------------------------------------------------ */
/* XpPlacement: watches the fields filters and sorters depend on, for one   */
/* connection, and says "changed"/"names-changed" at most once per idle.    */

#define XP_TYPE_PLACEMENT (xp_placement_get_type ())
G_DECLARE_FINAL_TYPE (XpPlacement, xp_placement, XP, PLACEMENT, GObject)

struct _XpPlacement
{
  GObject         parent_instance;
  XapiConnection *connection;   /* weak */
  XapiCache      *cache;        /* strong */
  guint           idle_id;
  gboolean        placement_dirty;
  gboolean        names_dirty;
};

G_DEFINE_FINAL_TYPE (XpPlacement, xp_placement, G_TYPE_OBJECT)

enum { PLACEMENT_CHANGED, PLACEMENT_NAMES_CHANGED, N_PLACEMENT_SIGNALS };
static guint placement_signals[N_PLACEMENT_SIGNALS];

static gboolean
placement_idle_cb (gpointer data)
{
  XpPlacement *self = data;
  gboolean placement = self->placement_dirty, names = self->names_dirty;

  self->idle_id = 0;
  /* Re-placing every row after each chunk of an initial sync would make the
   * sync quadratic: wait until the batch is applied ("apply-progress"
   * reschedules us). */
  if (xapi_cache_is_applying (self->cache))
    return G_SOURCE_REMOVE;
  self->placement_dirty = self->names_dirty = FALSE;
  g_object_ref (self);
  if (placement)
    g_signal_emit (self, placement_signals[PLACEMENT_CHANGED], 0);
  if (names)
    g_signal_emit (self, placement_signals[PLACEMENT_NAMES_CHANGED], 0);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
placement_schedule (XpPlacement *self)
{
  if (self->idle_id == 0)
    self->idle_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, placement_idle_cb, self, NULL);
}

static void
placement_object_notify_cb (GObject    *object,
                            GParamSpec *pspec,
                            gpointer    user_data)
{
  XpPlacement *self = user_data;
  const char *name = pspec->name;

  /* The master sorts first among hosts: a new master re-sorts them. */
  if (g_str_equal (name, "name-label") || (XAPI_IS_POOL (object) && g_str_equal (name, "master")))
    self->names_dirty = TRUE;
  else if (g_str_equal (name, "resident-on") || g_str_equal (name, "affinity") ||
           g_str_equal (name, "power-state") || g_str_equal (name, "is-a-template") ||
           g_str_equal (name, "other-config") || g_str_equal (name, "pbds") ||
           g_str_equal (name, "shared") || g_str_equal (name, "host") ||
           g_str_equal (name, "is-a-snapshot") || g_str_equal (name, "tags"))
    self->placement_dirty = TRUE;
  else
    return;
  placement_schedule (self);
}

static void
placement_apply_progress_cb (XapiCache  *cache,
                             GParamSpec *pspec,
                             gpointer    user_data)
{
  XpPlacement *self = user_data;

  if (self->placement_dirty || self->names_dirty)
    placement_schedule (self);
}

static void
placement_watch (XpPlacement *self,
                 GObject     *object)
{
  if (XAPI_IS_VM (object) || XAPI_IS_HOST (object) || XAPI_IS_SR (object) ||
      XAPI_IS_PBD (object) || XAPI_IS_POOL (object) || XAPI_IS_NETWORK (object))
    g_signal_connect_object (object, "notify", G_CALLBACK (placement_object_notify_cb), self, 0);
}

static void
placement_object_added_cb (XapiCache  *cache,
                           XapiObject *object,
                           gpointer    user_data)
{
  XpPlacement *self = user_data;

  placement_watch (self, G_OBJECT (object));
  /* A new host or PBD can move other objects (VMs resident on it, local SRs). */
  if (XAPI_IS_HOST (object) || XAPI_IS_PBD (object))
    {
      self->placement_dirty = TRUE;
      placement_schedule (self);
    }
}

static void
xp_placement_dispose (GObject *object)
{
  XpPlacement *self = XP_PLACEMENT (object);

  g_clear_handle_id (&self->idle_id, g_source_remove);
  g_clear_object (&self->cache);
  g_clear_weak_pointer (&self->connection);
  G_OBJECT_CLASS (xp_placement_parent_class)->dispose (object);
}

static void
xp_placement_class_init (XpPlacementClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = xp_placement_dispose;
  placement_signals[PLACEMENT_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  placement_signals[PLACEMENT_NAMES_CHANGED] =
    g_signal_new ("names-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
xp_placement_init (XpPlacement *self)
{
}

static XpPlacement *
xp_placement_new (XapiConnection *connection)
{
  XpPlacement *self = g_object_new (XP_TYPE_PLACEMENT, NULL);
  const GType types[] = { XAPI_TYPE_VM, XAPI_TYPE_HOST, XAPI_TYPE_SR, XAPI_TYPE_PBD,
                          XAPI_TYPE_POOL, XAPI_TYPE_NETWORK };

  g_set_weak_pointer (&self->connection, connection);
  self->cache = g_object_ref (xapi_connection_get_cache (connection));
  g_signal_connect_object (self->cache, "object-added",
                           G_CALLBACK (placement_object_added_cb), self, 0);
  g_signal_connect_object (self->cache, "notify::apply-progress",
                           G_CALLBACK (placement_apply_progress_cb), self, 0);
  for (guint t = 0; t < G_N_ELEMENTS (types); t++)
    {
      GListModel *store = xapi_cache_get_objects (self->cache, types[t]);
      guint n = g_list_model_get_n_items (store);

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(GObject) obj = g_list_model_get_item (store, i);
          placement_watch (self, obj);
        }
    }
  return self;
}

/* ------------------------------------------------------------------------ */
/* XpTreeModel                                                              */

struct _XpTreeModel
{
  GObject           parent_instance;

  GListModel       *connections;
  GHashTable       *placements;      /* XapiConnection* -> XpPlacement* */
  GtkSorter        *sorter;          /* natural, by display name */
  GtkTreeListModel *model;
  XpTreeView        view;
  gboolean          show_templates;

  /* search mode */
  char             *search;          /* case-folded, NULL when not searching */
  GtkFilter        *search_filter;
  GPtrArray        *objects_filters; /* GtkFilter*, of the current Objects view */
  char             *groups_key;      /* the tags or folders the current view was built with */
};

G_DEFINE_FINAL_TYPE (XpTreeModel, xp_tree_model, G_TYPE_OBJECT)

enum { PROP_0, PROP_MODEL, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void rebuild (XpTreeModel *self);

static gboolean
host_is_master (XapiHost *host)
{
  XapiConnection *conn = xapi_object_get_connection (XAPI_OBJECT (host));
  GListModel *pools;
  g_autoptr(XapiPool) pool = NULL;

  if (conn == NULL)
    return FALSE;
  pools = xapi_cache_get_objects (xapi_connection_get_cache (conn), XAPI_TYPE_POOL);
  pool = g_list_model_get_item (pools, 0);
  return pool != NULL &&
         g_strcmp0 (xapi_pool_get_master (pool), xapi_object_get_ref (XAPI_OBJECT (host))) == 0;
}

/* Natural order by name; as in XenCenter, a pool's master comes first. */
static int
sort_by_name (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  g_autofree char *na = NULL;
  g_autofree char *nb = NULL;
  int c;

  if (XAPI_IS_HOST ((gpointer) a) && XAPI_IS_HOST ((gpointer) b))
    {
      gboolean ma = host_is_master (XAPI_HOST ((gpointer) a));
      gboolean mb = host_is_master (XAPI_HOST ((gpointer) b));

      if (ma != mb)
        return ma ? -1 : 1;
    }
  na = xp_object_dup_display_name ((GObject *) a);
  nb = xp_object_dup_display_name ((GObject *) b);
  c = xp_natural_compare (na, nb);

  if (c == 0 && XAPI_IS_OBJECT ((gpointer) a) && XAPI_IS_OBJECT ((gpointer) b))
    c = g_strcmp0 (xapi_object_get_ref ((XapiObject *) a), xapi_object_get_ref ((XapiObject *) b));
  return c;
}

static void
names_changed_cb (XpPlacement *placement,
                  XpTreeModel *self)
{
  gtk_sorter_changed (self->sorter, GTK_SORTER_CHANGE_DIFFERENT);
  if (self->search_filter != NULL)
    gtk_filter_changed (self->search_filter, GTK_FILTER_CHANGE_DIFFERENT);
}

static void any_placement_changed_cb (XpPlacement *placement,
                                      XpTreeModel *self);

static XpPlacement *
get_placement (XpTreeModel    *self,
               XapiConnection *connection)
{
  XpPlacement *placement = g_hash_table_lookup (self->placements, connection);

  if (placement == NULL)
    {
      placement = xp_placement_new (connection);
      g_signal_connect_object (placement, "names-changed", G_CALLBACK (names_changed_cb), self, 0);
      g_signal_connect_object (placement, "changed", G_CALLBACK (any_placement_changed_cb), self, 0);
      g_hash_table_insert (self->placements, g_object_ref (connection), placement);
    }
  return placement;
}

static GListModel *
sorted (XpTreeModel *self,
        GListModel  *model)  /* transfer full */
{
  return G_LIST_MODEL (gtk_sort_list_model_new (model, g_object_ref (self->sorter)));
}

static void
filter_refresh_cb (GtkFilter *filter)
{
  gtk_filter_changed (filter, GTK_FILTER_CHANGE_DIFFERENT);
}

/* A filter over a cache store, re-run whenever @placement says so. */
static GListModel *
filtered (XpPlacement         *placement,
          GListModel          *store,
          GtkCustomFilterFunc  func,
          gpointer             data,
          GDestroyNotify       destroy)
{
  GtkCustomFilter *filter = gtk_custom_filter_new (func, data, destroy);

  if (placement != NULL)
    g_signal_connect_object (placement, "changed", G_CALLBACK (filter_refresh_cb),
                             filter, G_CONNECT_SWAPPED);
  return G_LIST_MODEL (gtk_filter_list_model_new (g_object_ref (store), GTK_FILTER (filter)));
}

static GListModel *
flatten (GListModel **models,
         guint        n)  /* each transfer full */
{
  GListStore *list = g_list_store_new (G_TYPE_LIST_MODEL);

  for (guint i = 0; i < n; i++)
    {
      g_list_store_append (list, models[i]);
      g_object_unref (models[i]);
    }
  return G_LIST_MODEL (gtk_flatten_list_model_new (G_LIST_MODEL (list)));
}

/* ---- placement rules ---- */

static XapiCache *
cache_of (gpointer object)
{
  XapiConnection *conn = xapi_object_get_connection (XAPI_OBJECT (object));

  return conn ? xapi_connection_get_cache (conn) : NULL;
}

static gboolean
is_valid_host (XapiCache  *cache,
               const char *ref)
{
  return cache != NULL && xapi_cache_lookup_typed (cache, ref, XAPI_TYPE_HOST) != NULL;
}

/* Which host a VM is shown under: where it runs, else its home server. */
static const char *
vm_home (XapiVm *vm)
{
  XapiCache *cache = cache_of (vm);

  if (is_valid_host (cache, xapi_vm_get_resident_on (vm)))
    return xapi_vm_get_resident_on (vm);
  if (is_valid_host (cache, xapi_vm_get_affinity (vm)))
    return xapi_vm_get_affinity (vm);
  return NULL;
}

static gboolean
other_config_true (GHashTable *oc,
                   const char *key)
{
  const char *v = oc ? g_hash_table_lookup (oc, key) : NULL;

  return v != NULL && g_ascii_strcasecmp (v, "true") == 0;
}

/* XenCenter never shows xapi's internal objects (the P2V server template,
 * the tools SR) nor what was hidden from it on purpose. */
static gboolean
vm_hidden (XapiVm *vm)
{
  GHashTable *oc = xapi_vm_get_other_config (vm);

  return other_config_true (oc, "xensource_internal") || other_config_true (oc, "HideFromXenCenter");
}

static gboolean
is_plain_vm (XapiVm *vm)
{
  return !xapi_vm_get_is_a_template (vm) && !xapi_vm_get_is_a_snapshot (vm) &&
         !xapi_vm_get_is_control_domain (vm) && !vm_hidden (vm);
}

/* Hidden like XenCenter hides them: on request, and the tools ISO SR
 * (is_tools_sr since XenServer 7.x, an other_config key before). */
static gboolean
sr_hidden (XapiSr *sr)
{
  GHashTable *oc = xapi_sr_get_other_config (sr);

  return other_config_true (oc, "hide_from_XenCenter") || other_config_true (oc, "HideFromXenCenter") ||
         xapi_sr_get_is_tools_sr (sr) || other_config_true (oc, "xenserver_tools_sr");
}

/* The host a non-shared SR belongs to (its only PBD's host), or NULL. */
static const char *
sr_home (XapiSr *sr)
{
  const char * const *pbds = xapi_sr_get_pbds (sr);
  XapiCache *cache = cache_of (sr);
  XapiObject *pbd;

  if (xapi_sr_get_shared (sr) || cache == NULL || pbds[0] == NULL || pbds[1] != NULL)
    return NULL;
  pbd = xapi_cache_lookup_typed (cache, pbds[0], XAPI_TYPE_PBD);
  if (pbd == NULL || !is_valid_host (cache, xapi_pbd_get_host (XAPI_PBD (pbd))))
    return NULL;
  return xapi_pbd_get_host (XAPI_PBD (pbd));
}

static gboolean
host_vm_filter (gpointer item,
                gpointer host)
{
  const char *home;

  if (!is_plain_vm (item))
    return FALSE;
  home = vm_home (item);
  return home != NULL && g_strcmp0 (home, xapi_object_get_ref (host)) == 0;
}

static gboolean
host_sr_filter (gpointer item,
                gpointer host)
{
  return !sr_hidden (item) && g_strcmp0 (sr_home (item), xapi_object_get_ref (host)) == 0;
}

static gboolean
pool_vm_filter (gpointer item,
                gpointer unused)
{
  return is_plain_vm (item) && vm_home (item) == NULL;
}

static gboolean
pool_sr_filter (gpointer item,
                gpointer unused)
{
  return !sr_hidden (item) && sr_home (item) == NULL;
}

static gboolean
custom_template_filter (gpointer item,
                        gpointer unused)
{
  return xapi_vm_get_is_a_template (item) && !xapi_vm_get_is_a_snapshot (item) &&
         !xp_vm_is_default_template (item) && !vm_hidden (item);
}

static gboolean
default_template_filter (gpointer item,
                         gpointer unused)
{
  return xapi_vm_get_is_a_template (item) && !xapi_vm_get_is_a_snapshot (item) &&
         xp_vm_is_default_template (item) && !vm_hidden (item);
}

static gboolean
snapshot_filter (gpointer item,
                 gpointer unused)
{
  return xapi_vm_get_is_a_snapshot (item);
}

static gboolean
visible_network_filter (gpointer item,
                        gpointer unused)
{
  GHashTable *oc = xapi_network_get_other_config (item);
  const char *v = oc ? g_hash_table_lookup (oc, "is_guest_installer_network") : NULL;

  return v == NULL || g_ascii_strcasecmp (v, "true") != 0;
}

static gboolean
host_filter_all (gpointer item,
                 gpointer unused)
{
  return TRUE;
}

/* ---- per-node children ---- */

static GListModel *
store_of (XapiObject *object,
          GType       type)
{
  return xapi_cache_get_objects (cache_of (object), type);
}

static GListModel *
pool_children (XpTreeModel *self,
               XapiPool    *pool)
{
  XapiConnection *conn = xapi_object_get_connection (XAPI_OBJECT (pool));
  XpPlacement *pl = get_placement (self, conn);
  GListModel *models[5];
  guint n = 0;

  models[n++] = sorted (self, filtered (pl, store_of (XAPI_OBJECT (pool), XAPI_TYPE_HOST),
                                        host_filter_all, NULL, NULL));
  models[n++] = sorted (self, filtered (pl, store_of (XAPI_OBJECT (pool), XAPI_TYPE_VM),
                                        pool_vm_filter, NULL, NULL));
  models[n++] = sorted (self, filtered (pl, store_of (XAPI_OBJECT (pool), XAPI_TYPE_SR),
                                        pool_sr_filter, NULL, NULL));
  models[n++] = sorted (self, filtered (pl, store_of (XAPI_OBJECT (pool), XAPI_TYPE_VM),
                                        custom_template_filter, NULL, NULL));
  if (self->show_templates)
    models[n++] = sorted (self, filtered (pl, store_of (XAPI_OBJECT (pool), XAPI_TYPE_VM),
                                          default_template_filter, NULL, NULL));
  return flatten (models, n);
}

static GListModel *
host_children (XpTreeModel *self,
               XapiHost    *host)
{
  XapiConnection *conn = xapi_object_get_connection (XAPI_OBJECT (host));
  XpPlacement *pl = get_placement (self, conn);
  GListModel *models[2];

  models[0] = sorted (self, filtered (pl, store_of (XAPI_OBJECT (host), XAPI_TYPE_VM),
                                      host_vm_filter, g_object_ref (host), g_object_unref));
  models[1] = sorted (self, filtered (pl, store_of (XAPI_OBJECT (host), XAPI_TYPE_SR),
                                      host_sr_filter, g_object_ref (host), g_object_unref));
  return flatten (models, 2);
}

/* Objects view: one store per connection, flattened across connections. */
typedef struct {
  GType type;
} StoreMapData;

static gpointer
map_connection_to_store (gpointer item,
                         gpointer user_data)
{
  StoreMapData *data = user_data;
  XapiConnection *conn = item;
  GListModel *store = xapi_cache_get_objects (xapi_connection_get_cache (conn), data->type);

  g_object_unref (conn);
  return g_object_ref (store);
}

static GListModel *
all_connections_store (XpTreeModel *self,
                       GType        type)
{
  StoreMapData *data = g_new0 (StoreMapData, 1);
  GtkMapListModel *map;

  data->type = type;
  map = gtk_map_list_model_new (g_object_ref (self->connections),
                                map_connection_to_store, data, g_free);
  return G_LIST_MODEL (gtk_flatten_list_model_new (G_LIST_MODEL (map)));
}

/* Objects-view filters cannot be tied to one connection's placement: they
 * are re-run from every placement of the model. */
static GListModel *
objects_group_model (XpTreeModel         *self,
                     GType                type,
                     GtkCustomFilterFunc  func)
{
  GListModel *all = all_connections_store (self, type);
  GtkCustomFilter *filter;
  GListModel *model;

  if (func == NULL)
    return sorted (self, all);
  filter = gtk_custom_filter_new (func, NULL, NULL);
  g_ptr_array_add (self->objects_filters, g_object_ref (filter));
  model = G_LIST_MODEL (gtk_filter_list_model_new (all, GTK_FILTER (filter)));
  return sorted (self, model);
}

static gboolean
plain_vm_filter (gpointer item,
                 gpointer unused)
{
  return is_plain_vm (item);
}

static gboolean
any_template_filter (gpointer item,
                     gpointer unused)
{
  return xapi_vm_get_is_a_template (item) && !xapi_vm_get_is_a_snapshot (item);
}

static gboolean
visible_sr_filter (gpointer item,
                   gpointer unused)
{
  return !sr_hidden (item);
}

static GListModel *
objects_root (XpTreeModel *self)
{
  GListStore *root = g_list_store_new (G_TYPE_OBJECT);
  struct {
    const char *title;
    const char *icon;
    GType type;
    GtkCustomFilterFunc func;
  } groups[] = {
    { N_("Pools"), "network-workgroup-symbolic", XAPI_TYPE_POOL, NULL },
    { N_("Servers"), "computer-symbolic", XAPI_TYPE_HOST, NULL },
    { N_("Virtual Machines"), "media-playback-start-symbolic", XAPI_TYPE_VM, plain_vm_filter },
    { N_("Templates"), "folder-templates-symbolic", XAPI_TYPE_VM, NULL },
    { N_("Snapshots"), "camera-photo-symbolic", XAPI_TYPE_VM, snapshot_filter },
    { N_("Storage"), "drive-harddisk-symbolic", XAPI_TYPE_SR, visible_sr_filter },
    { N_("Networks"), "network-wired-symbolic", XAPI_TYPE_NETWORK, visible_network_filter },
  };

  for (guint i = 0; i < G_N_ELEMENTS (groups); i++)
    {
      GtkCustomFilterFunc func = groups[i].func;
      g_autoptr(XpTreeGroup) group = NULL;

      if (i == 3)
        func = self->show_templates ? any_template_filter : custom_template_filter;
      group = xp_tree_group_new (_(groups[i].title), groups[i].icon,
                                 objects_group_model (self, groups[i].type, func));
      g_list_store_append (root, group);
    }
  return G_LIST_MODEL (root);
}

/* ---- Tags and Folders views ---- */

/* The XenCenter folder of an object: other_config:folder, "/A/B". */
static const char *
object_folder (gpointer item)
{
  GHashTable *oc = NULL;

  if (XAPI_IS_VM (item))
    oc = xapi_vm_get_other_config (item);
  else if (XAPI_IS_HOST (item))
    oc = xapi_host_get_other_config (item);
  else if (XAPI_IS_SR (item))
    oc = xapi_sr_get_other_config (item);
  else if (XAPI_IS_NETWORK (item))
    oc = xapi_network_get_other_config (item);
  else if (XAPI_IS_POOL (item))
    oc = xapi_pool_get_other_config (item);
  return oc ? g_hash_table_lookup (oc, "folder") : NULL;
}

static const char * const *
object_tags (gpointer item)
{
  if (XAPI_IS_VM (item))
    return xapi_vm_get_tags (item);
  if (XAPI_IS_HOST (item))
    return xapi_host_get_tags (item);
  if (XAPI_IS_SR (item))
    return xapi_sr_get_tags (item);
  if (XAPI_IS_NETWORK (item))
    return xapi_network_get_tags (item);
  if (XAPI_IS_POOL (item))
    return xapi_pool_get_tags (item);
  return NULL;
}

/* "/A//B/" -> "/A/B"; NULL for no folder at all. */
static char *
folder_normalize (const char *path)
{
  g_auto(GStrv) parts = NULL;
  GString *out;

  if (path == NULL)
    return NULL;
  parts = g_strsplit (path, "/", -1);
  out = g_string_new (NULL);
  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] != '\0')
      g_string_append_printf (out, "/%s", parts[i]);
  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

typedef struct {
  char     *key;
  gboolean  show_templates;
} GroupFilterData;

static void
group_filter_data_free (gpointer data)
{
  GroupFilterData *d = data;

  g_free (d->key);
  g_free (d);
}

/* Whether an object belongs in the Tags and Folders views at all. */
static gboolean
grouped_object_visible (gpointer item,
                        gboolean show_templates)
{
  if (XAPI_IS_VM (item))
    {
      if (xapi_vm_get_is_control_domain (item) || vm_hidden (item))
        return FALSE;
      if (xapi_vm_get_is_a_template (item) && !xapi_vm_get_is_a_snapshot (item) &&
          xp_vm_is_default_template (item) && !show_templates)
        return FALSE;
      return TRUE;
    }
  if (XAPI_IS_SR (item))
    return !sr_hidden (item);
  if (XAPI_IS_NETWORK (item))
    return visible_network_filter (item, NULL);
  return XAPI_IS_HOST (item) || XAPI_IS_POOL (item);
}

static gboolean
tag_filter (gpointer item,
            gpointer user_data)
{
  GroupFilterData *d = user_data;
  const char * const *tags = object_tags (item);

  return grouped_object_visible (item, d->show_templates) && tags != NULL &&
         g_strv_contains (tags, d->key);
}

static gboolean
folder_filter (gpointer item,
               gpointer user_data)
{
  GroupFilterData *d = user_data;
  g_autofree char *folder = NULL;

  if (!grouped_object_visible (item, d->show_templates))
    return FALSE;
  folder = folder_normalize (object_folder (item));
  return g_strcmp0 (folder, d->key) == 0;
}

static GListModel *
all_grouped_objects (XpTreeModel *self)
{
  GListModel *models[5];

  models[0] = all_connections_store (self, XAPI_TYPE_POOL);
  models[1] = all_connections_store (self, XAPI_TYPE_HOST);
  models[2] = all_connections_store (self, XAPI_TYPE_VM);
  models[3] = all_connections_store (self, XAPI_TYPE_SR);
  models[4] = all_connections_store (self, XAPI_TYPE_NETWORK);
  return flatten (models, 5);
}

static GListModel *
grouped_model (XpTreeModel         *self,
               GtkCustomFilterFunc  func,
               const char          *key)
{
  GroupFilterData *d = g_new0 (GroupFilterData, 1);
  GtkCustomFilter *filter;

  d->key = g_strdup (key);
  d->show_templates = self->show_templates;
  filter = gtk_custom_filter_new (func, d, group_filter_data_free);
  g_ptr_array_add (self->objects_filters, g_object_ref (filter));
  return sorted (self, G_LIST_MODEL (gtk_filter_list_model_new (all_grouped_objects (self),
                                                               GTK_FILTER (filter))));
}

static int
compare_keys (gconstpointer a,
              gconstpointer b)
{
  return xp_natural_compare (*(const char * const *) a, *(const char * const *) b);
}

/* Every tag (or every folder and its ancestors) in use, sorted. */
static GPtrArray *
collect_group_keys (XpTreeModel *self,
                    gboolean     folders)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GListModel) all = all_grouped_objects (self);
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);
  guint n = g_list_model_get_n_items (all);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (all, i);

      if (!grouped_object_visible (item, self->show_templates))
        continue;
      if (folders)
        {
          g_autofree char *path = folder_normalize (object_folder (item));

          while (path != NULL && !g_hash_table_contains (seen, path))
            {
              char *slash = strrchr (path, '/');

              g_hash_table_add (seen, g_strdup (path));
              if (slash == path)
                break;
              *slash = '\0';
            }
        }
      else
        {
          const char * const *tags = object_tags (item);

          for (guint t = 0; tags != NULL && tags[t] != NULL; t++)
            if (tags[t][0] != '\0' && !g_hash_table_contains (seen, tags[t]))
              g_hash_table_add (seen, g_strdup (tags[t]));
        }
    }

  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, seen);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_ptr_array_add (keys, g_strdup (key));
  }
  g_ptr_array_sort (keys, compare_keys);
  return keys;
}

static char *
keys_signature (GPtrArray *keys,
                gboolean   folders)
{
  GString *s = g_string_new (folders ? "F" : "T");

  for (guint i = 0; i < keys->len; i++)
    g_string_append_printf (s, "\n%s", (const char *) g_ptr_array_index (keys, i));
  return g_string_free (s, FALSE);
}

static GListModel *
tags_root (XpTreeModel *self,
           GPtrArray   *tags)
{
  GListStore *root = g_list_store_new (G_TYPE_OBJECT);

  for (guint i = 0; i < tags->len; i++)
    {
      const char *tag = g_ptr_array_index (tags, i);
      g_autoptr(XpTreeGroup) group = xp_tree_group_new (tag, "bookmark-new-symbolic",
                                                       grouped_model (self, tag_filter, tag));
      g_list_store_append (root, group);
    }
  return G_LIST_MODEL (root);
}

/* The subfolders of @parent ("" for the root) then, below a real folder,
 * the objects in it. */
static GListModel *
folder_children (XpTreeModel *self,
                 GPtrArray   *folders,
                 const char  *parent)
{
  GListStore *subfolders = g_list_store_new (G_TYPE_OBJECT);
  gsize plen = strlen (parent);
  GListModel *models[2];

  for (guint i = 0; i < folders->len; i++)
    {
      const char *path = g_ptr_array_index (folders, i);
      g_autoptr(XpTreeGroup) group = NULL;

      if (strncmp (path, parent, plen) != 0 || path[plen] != '/' || strchr (path + plen + 1, '/') != NULL)
        continue;
      group = xp_tree_group_new (path + plen + 1, "folder-symbolic",
                                 folder_children (self, folders, path));
      g_list_store_append (subfolders, group);
    }
  if (plen == 0)
    return G_LIST_MODEL (subfolders);
  models[0] = G_LIST_MODEL (subfolders);
  models[1] = grouped_model (self, folder_filter, parent);
  return flatten (models, 2);
}

static GListModel *
grouped_root (XpTreeModel *self)
{
  gboolean folders = self->view == XP_TREE_VIEW_FOLDERS;
  g_autoptr(GPtrArray) keys = collect_group_keys (self, folders);

  g_free (self->groups_key);
  self->groups_key = keys_signature (keys, folders);
  return folders ? folder_children (self, keys, "") : tags_root (self, keys);
}

/* A new tag or folder, or the last object leaving one, changes the groups. */
static gboolean
groups_changed (XpTreeModel *self)
{
  gboolean folders = self->view == XP_TREE_VIEW_FOLDERS;
  g_autoptr(GPtrArray) keys = NULL;
  g_autofree char *signature = NULL;

  if (self->search != NULL || (self->view != XP_TREE_VIEW_TAGS && !folders))
    return FALSE;
  keys = collect_group_keys (self, folders);
  signature = keys_signature (keys, folders);
  return g_strcmp0 (signature, self->groups_key) != 0;
}

/* Search: every pool/host/VM/SR/network of every connection, one flat list. */
static gboolean
search_filter_func (gpointer item,
                    gpointer user_data)
{
  XpTreeModel *self = user_data;

  if (XAPI_IS_VM (item) && xapi_vm_get_is_control_domain (item))
    return FALSE;
  if (XAPI_IS_VM (item) && !self->show_templates && xapi_vm_get_is_a_template (item) &&
      xp_vm_is_default_template (item))
    return FALSE;
  return xp_object_matches_search (item, self->search);
}

static GListModel *
search_root (XpTreeModel *self)
{
  GListModel *models[5];
  GListModel *all;

  models[0] = all_connections_store (self, XAPI_TYPE_POOL);
  models[1] = all_connections_store (self, XAPI_TYPE_HOST);
  models[2] = all_connections_store (self, XAPI_TYPE_VM);
  models[3] = all_connections_store (self, XAPI_TYPE_SR);
  models[4] = all_connections_store (self, XAPI_TYPE_NETWORK);
  all = flatten (models, 5);

  g_clear_object (&self->search_filter);
  self->search_filter = GTK_FILTER (gtk_custom_filter_new (search_filter_func, self, NULL));
  return sorted (self, G_LIST_MODEL (gtk_filter_list_model_new (all, g_object_ref (self->search_filter))));
}

static GListModel *
create_child_model (gpointer item,
                    gpointer user_data)
{
  XpTreeModel *self = user_data;

  if (self->search != NULL)
    return NULL;

  if (XP_IS_TREE_GROUP (item))
    return g_object_ref (XP_TREE_GROUP (item)->model);

  if (self->view != XP_TREE_VIEW_INFRASTRUCTURE)
    return NULL;

  if (XAPI_IS_CONNECTION (item))
    {
      XapiCache *cache = xapi_connection_get_cache (item);

      get_placement (self, item);
      return g_object_ref (xapi_cache_get_objects (cache, XAPI_TYPE_POOL));
    }
  if (XAPI_IS_POOL (item))
    return pool_children (self, item);
  if (XAPI_IS_HOST (item))
    return host_children (self, item);
  return NULL;
}

/* Objects-view filters (which span connections) are refreshed on any
 * placement change. */
static void
any_placement_changed_cb (XpPlacement *placement,
                          XpTreeModel *self)
{
  if (groups_changed (self))
    {
      rebuild (self);
      return;
    }
  for (guint i = 0; i < self->objects_filters->len; i++)
    gtk_filter_changed (g_ptr_array_index (self->objects_filters, i), GTK_FILTER_CHANGE_DIFFERENT);
  if (self->search_filter != NULL)
    gtk_filter_changed (self->search_filter, GTK_FILTER_CHANGE_DIFFERENT);
}

static void
rebuild (XpTreeModel *self)
{
  GListModel *root;
  guint n = g_list_model_get_n_items (self->connections);

  g_ptr_array_set_size (self->objects_filters, 0);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(XapiConnection) conn = g_list_model_get_item (self->connections, i);
      get_placement (self, conn);
    }

  if (self->search != NULL)
    root = search_root (self);
  else if (self->view == XP_TREE_VIEW_OBJECTS)
    root = objects_root (self);
  else if (self->view == XP_TREE_VIEW_TAGS || self->view == XP_TREE_VIEW_FOLDERS)
    root = grouped_root (self);
  else
    root = g_object_ref (self->connections);

  g_clear_object (&self->model);
  self->model = gtk_tree_list_model_new (root, FALSE,
                                         self->search == NULL && self->view == XP_TREE_VIEW_INFRASTRUCTURE,
                                         create_child_model, self, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
}

static void
xp_tree_model_dispose (GObject *object)
{
  XpTreeModel *self = XP_TREE_MODEL (object);

  g_clear_object (&self->model);
  g_clear_object (&self->search_filter);
  g_clear_pointer (&self->placements, g_hash_table_unref);
  g_clear_pointer (&self->objects_filters, g_ptr_array_unref);
  g_clear_object (&self->sorter);
  g_clear_object (&self->connections);
  G_OBJECT_CLASS (xp_tree_model_parent_class)->dispose (object);
}

static void
xp_tree_model_finalize (GObject *object)
{
  XpTreeModel *self = XP_TREE_MODEL (object);

  g_free (self->search);
  g_free (self->groups_key);
  G_OBJECT_CLASS (xp_tree_model_parent_class)->finalize (object);
}

static void
xp_tree_model_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  XpTreeModel *self = XP_TREE_MODEL (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      g_value_set_object (value, self->model);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xp_tree_model_class_init (XpTreeModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = xp_tree_model_dispose;
  object_class->finalize = xp_tree_model_finalize;
  object_class->get_property = xp_tree_model_get_property;

  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
xp_tree_model_init (XpTreeModel *self)
{
  self->placements = g_hash_table_new_full (NULL, NULL, g_object_unref, g_object_unref);
  self->objects_filters = g_ptr_array_new_with_free_func (g_object_unref);
  self->sorter = GTK_SORTER (gtk_custom_sorter_new (sort_by_name, NULL, NULL));
  self->show_templates = FALSE;
}

static void
connections_changed_cb (GListModel  *connections,
                        guint        position,
                        guint        removed,
                        guint        added,
                        XpTreeModel *self)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(XapiConnection) conn = g_list_model_get_item (connections, i);
      get_placement (self, conn);
    }
}

XpTreeModel *
xp_tree_model_new (GListModel *connections)
{
  XpTreeModel *self = g_object_new (XP_TYPE_TREE_MODEL, NULL);

  self->connections = g_object_ref (connections);
  g_signal_connect_object (connections, "items-changed", G_CALLBACK (connections_changed_cb), self, 0);
  rebuild (self);
  return self;
}

GListModel *
xp_tree_model_get_model (XpTreeModel *self)
{
  g_return_val_if_fail (XP_IS_TREE_MODEL (self), NULL);
  return G_LIST_MODEL (self->model);
}

void
xp_tree_model_set_view (XpTreeModel *self,
                        XpTreeView   view)
{
  g_return_if_fail (XP_IS_TREE_MODEL (self));
  if (self->view == view)
    return;
  self->view = view;
  if (self->search == NULL)
    rebuild (self);
}

XpTreeView
xp_tree_model_get_view (XpTreeModel *self)
{
  g_return_val_if_fail (XP_IS_TREE_MODEL (self), XP_TREE_VIEW_INFRASTRUCTURE);
  return self->view;
}

void
xp_tree_model_set_show_templates (XpTreeModel *self,
                                  gboolean     show)
{
  g_return_if_fail (XP_IS_TREE_MODEL (self));
  show = !!show;
  if (self->show_templates == show)
    return;
  self->show_templates = show;
  if (self->search != NULL)
    gtk_filter_changed (self->search_filter, GTK_FILTER_CHANGE_DIFFERENT);
  else
    rebuild (self);
}

void
xp_tree_model_set_search (XpTreeModel *self,
                          const char  *text)
{
  g_autofree char *folded = NULL;
  gboolean was_searching;

  g_return_if_fail (XP_IS_TREE_MODEL (self));

  if (text != NULL)
    {
      g_autofree char *stripped = g_strstrip (g_strdup (text));
      if (*stripped)
        folded = g_utf8_casefold (stripped, -1);
    }
  if (g_strcmp0 (folded, self->search) == 0)
    return;

  was_searching = self->search != NULL;
  g_free (self->search);
  self->search = g_steal_pointer (&folded);

  if (was_searching && self->search != NULL)
    gtk_filter_changed (self->search_filter, GTK_FILTER_CHANGE_DIFFERENT);
  else
    rebuild (self);
}
