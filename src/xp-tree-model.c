/* xp-tree-model.c: the sidebar's live tree (GtkTreeListModel over the caches)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Nothing here is rebuilt on events.  In the Infrastructure view each node's
 * children are XpObjectLists kept by XpPlacement: every VM, SR and host is
 * placed once into the list of the node it shows under, in natural order
 * (binary insertion on a copy of its name), and placed again only when a
 * field that decides its place or its name changes.  The lists are glued
 * with GtkFlattenListModel.  Placing waits for the end of an applied batch
 * (the initial sync's 10,000 VMs are placed once, not once per chunk) and
 * runs from idles of a few ms each.  The Objects, Tags and Folders views
 * are filter and sort list models over the cache's stores, refreshed at
 * most once per idle ("changed"/"names-changed").  The search is its own
 * flat list (XpSearchList): every object sorted ahead, the matches
 * narrowed or widened in runs on cached case-folded names and tags, and a
 * model of its own kept from one search to the next, while the
 * Infrastructure tree is kept as it is for when the search ends.
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

/* Every name xp_object_get_icon_name() gives, for the sidebar to look
 * them up ahead (the tag and folder groups' too). */
const char * const *
xp_object_icon_names (void)
{
  static const char * const names[] = {
    "network-server-symbolic", "dialog-warning-symbolic", "network-offline-symbolic",
    "network-wired-acquiring-symbolic", "network-workgroup-symbolic", "computer-symbolic",
    "computer-fail-symbolic", "camera-photo-symbolic", "folder-templates-symbolic",
    "media-playback-start-symbolic", "media-playback-pause-symbolic",
    "media-playback-stop-symbolic", "media-optical-symbolic",
    "drive-removable-media-symbolic", "drive-harddisk-symbolic", "network-wired-symbolic",
    "image-missing-symbolic", "bookmark-new-symbolic", "folder-symbolic", NULL
  };

  return names;
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

/* The name an object is sorted and found by, without a copy: NULL for the
 * objects whose display name is built (pools, connections, groups). */
static const char *
object_peek_name (GObject *item)
{
  const char *name;

  if (!XAPI_IS_OBJECT (item) || XAPI_IS_POOL (item))
    return NULL;
  name = object_name_label (item);
  if (name != NULL && *name)
    return name;
  return xapi_object_get_uuid (XAPI_OBJECT (item));
}

static const char * const *
object_search_tags (XapiObject *object)
{
  if (XAPI_IS_VM (object))
    return xapi_vm_get_tags (XAPI_VM (object));
  if (XAPI_IS_HOST (object))
    return xapi_host_get_tags (XAPI_HOST (object));
  if (XAPI_IS_SR (object))
    return xapi_sr_get_tags (XAPI_SR (object));
  if (XAPI_IS_NETWORK (object))
    return xapi_network_get_tags (XAPI_NETWORK (object));
  if (XAPI_IS_POOL (object))
    return xapi_pool_get_tags (XAPI_POOL (object));
  return NULL;
}

/* The case-folded name and tags of an object, folded again only when they
 * change: the filter runs over every object at each key press. */
typedef struct {
  char  *name;          /* what folded_name was folded from */
  char  *folded_name;
  char **tags;          /* what folded_tags were folded from */
  char **folded_tags;
} SearchKeys;

static void
search_keys_free (gpointer data)
{
  SearchKeys *keys = data;

  g_free (keys->name);
  g_free (keys->folded_name);
  g_strfreev (keys->tags);
  g_strfreev (keys->folded_tags);
  g_free (keys);
}

static gboolean
strv_equal0 (const char * const *a,
             const char * const *b)
{
  if (a == NULL || b == NULL)
    return (a == NULL || *a == NULL) && (b == NULL || *b == NULL);
  return g_strv_equal (a, b);
}

static const SearchKeys *
object_search_keys (XapiObject *object,
                    const char *name)
{
  static GQuark quark;
  const char * const *tags = object_search_tags (object);
  SearchKeys *keys;
  guint n;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("xp-search-keys");
  keys = g_object_get_qdata (G_OBJECT (object), quark);
  if (keys != NULL && g_strcmp0 (keys->name, name) == 0 &&
      strv_equal0 ((const char * const *) keys->tags, tags))
    return keys;

  keys = g_new0 (SearchKeys, 1);
  keys->name = g_strdup (name);
  keys->folded_name = g_utf8_casefold (name, -1);
  keys->tags = g_strdupv ((char **) tags);
  n = tags != NULL ? g_strv_length ((char **) tags) : 0;
  keys->folded_tags = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    keys->folded_tags[i] = g_utf8_casefold (tags[i], -1);
  g_object_set_qdata_full (G_OBJECT (object), quark, keys, search_keys_free);
  return keys;
}

/* Whether @folded can start a UUID or an address (hex digits, dots,
 * colons...): "web" cannot, "10.0" or "3fa" can.  Only then are UUIDs and
 * guest addresses looked at, the slow part for the objects that do not
 * match by name. */
static gboolean
search_text_is_address_like (const char *folded)
{
  return folded[strspn (folded, "0123456789abcdef.:-%/[]")] == '\0';
}

static gboolean
object_matches_search (XapiObject *object,
                       const char *folded,
                       gboolean    address_like)
{
  g_autofree char *built_name = NULL;
  const SearchKeys *keys;
  const char *name;
  const char *uuid;

  name = object_peek_name (G_OBJECT (object));
  if (name == NULL)
    name = built_name = xp_object_dup_display_name (G_OBJECT (object));
  keys = object_search_keys (object, name);
  if (strstr (keys->folded_name, folded) != NULL)
    return TRUE;

  for (guint i = 0; keys->folded_tags[i] != NULL; i++)
    if (strstr (keys->folded_tags[i], folded) != NULL)
      return TRUE;

  /* a host's address may be a DNS name */
  if (XAPI_IS_HOST (object) && g_str_has_prefix (xapi_host_get_address (XAPI_HOST (object)), folded))
    return TRUE;

  if (!address_like)
    return FALSE;

  uuid = xapi_object_get_uuid (object);
  if (uuid != NULL && g_str_has_prefix (uuid, folded))
    return TRUE;

  if (XAPI_IS_VM (object))
    {
      XapiConnection *conn = xapi_object_get_connection (object);
      const char *gm_ref = xapi_vm_get_guest_metrics (XAPI_VM (object));
      XapiObject *gm = NULL;

      /* Looked up each time: the addresses live on another object. */
      if (conn != NULL && gm_ref != NULL && !g_str_equal (gm_ref, "OpaqueRef:NULL"))
        gm = xapi_cache_lookup (xapi_connection_get_cache (conn), gm_ref);
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

  return FALSE;
}

gboolean
xp_object_matches_search (XapiObject *object,
                          const char *folded)
{
  if (folded == NULL || *folded == '\0')
    return TRUE;
  return object_matches_search (object, folded, search_text_is_address_like (folded));
}

/* ------------------------------------------------------------------------ */
/* Placement rules                                                          */

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
custom_template_filter (gpointer item,
                        gpointer unused)
{
  return xapi_vm_get_is_a_template (item) && !xapi_vm_get_is_a_snapshot (item) &&
         !xp_vm_is_default_template (item) && !vm_hidden (item);
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

/* ------------------------------------------------------------------------ */
/* XpObjectList: the objects under one tree node, in natural order.        */
/*                                                                          */
/* Filter and sort list models over the cache's stores cost, for every     */
/* host, a filter run over every VM of the pool and a sort merge at each   */
/* change; with 10,000 VMs that stalled the main loop for hundreds of ms.  */
/* Instead each object is placed once (XpPlacement below) into the list of */
/* its node, kept sorted by binary insertion on a copy of its name.        */

typedef struct _XpObjectList XpObjectList;

typedef struct {
  XapiObject   *object;   /* strong */
  XpObjectList *list;     /* the list it is in, NULL: shown nowhere */
  char         *name;     /* the display name it is sorted by */
  gboolean      first;    /* the pool master, first among hosts */
  gboolean      leaving;  /* during an update: leaving its list */
} PlacedObject;

static void
placed_object_free (PlacedObject *po)
{
  g_object_unref (po->object);
  g_free (po->name);
  g_free (po);
}

static int
placed_object_compare (const PlacedObject *a,
                       const PlacedObject *b)
{
  int c;

  if (a->first != b->first)
    return a->first ? -1 : 1;
  c = xp_natural_compare (a->name, b->name);
  if (c == 0)
    c = g_strcmp0 (xapi_object_get_ref (a->object), xapi_object_get_ref (b->object));
  return c;
}

static int
placed_object_compare_indirect (gconstpointer a,
                                gconstpointer b)
{
  return placed_object_compare (*(PlacedObject * const *) a, *(PlacedObject * const *) b);
}

#define XP_TYPE_OBJECT_LIST (xp_object_list_get_type ())
G_DECLARE_FINAL_TYPE (XpObjectList, xp_object_list, XP, OBJECT_LIST, GObject)

struct _XpObjectList
{
  GObject    parent_instance;
  GPtrArray *items;      /* PlacedObject*, not owned, sorted */
  GPtrArray *entering;   /* during an update: the objects coming in */
  GPtrArray *before;     /* during an update: items as they were */
  guint      changes;    /* during an update: objects coming or going */
  gboolean   one_by_one; /* during an update: told item by item */
};

static GType
xp_object_list_get_item_type (GListModel *model)
{
  return XAPI_TYPE_OBJECT;
}

static guint
xp_object_list_get_n_items (GListModel *model)
{
  return XP_OBJECT_LIST (model)->items->len;
}

static gpointer
xp_object_list_get_item (GListModel *model,
                         guint       position)
{
  XpObjectList *self = XP_OBJECT_LIST (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (((PlacedObject *) g_ptr_array_index (self->items, position))->object);
}

static void
xp_object_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = xp_object_list_get_item_type;
  iface->get_n_items = xp_object_list_get_n_items;
  iface->get_item = xp_object_list_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (XpObjectList, xp_object_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, xp_object_list_model_init))

static void
xp_object_list_finalize (GObject *object)
{
  g_ptr_array_unref (XP_OBJECT_LIST (object)->items);
  g_ptr_array_unref (XP_OBJECT_LIST (object)->entering);
  g_ptr_array_unref (XP_OBJECT_LIST (object)->before);
  G_OBJECT_CLASS (xp_object_list_parent_class)->finalize (object);
}

static void
xp_object_list_class_init (XpObjectListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = xp_object_list_finalize;
}

static void
xp_object_list_init (XpObjectList *self)
{
  self->items = g_ptr_array_new ();
  self->entering = g_ptr_array_new ();
  self->before = g_ptr_array_new ();
}

/* Where @po is or would go: the first position not before it. */
static guint
object_list_lower_bound (XpObjectList       *self,
                         const PlacedObject *po)
{
  guint lo = 0, hi = self->items->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (placed_object_compare (g_ptr_array_index (self->items, mid), po) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static void
object_list_insert (XpObjectList *self,
                    PlacedObject *po)
{
  guint pos = object_list_lower_bound (self, po);

  g_ptr_array_insert (self->items, pos, po);
  po->list = self;
  g_list_model_items_changed (G_LIST_MODEL (self), pos, 0, 1);
}

static void
object_list_remove (XpObjectList *self,
                    PlacedObject *po)
{
  guint pos = object_list_lower_bound (self, po);

  /* The array is sorted by the names stored in it, so this finds it; the
   * scan is only a safety net. */
  if (pos >= self->items->len || g_ptr_array_index (self->items, pos) != po)
    {
      if (!g_ptr_array_find (self->items, po, &pos))
        return;
    }
  g_ptr_array_remove_index (self->items, pos);
  po->list = NULL;
  g_list_model_items_changed (G_LIST_MODEL (self), pos, 1, 0);
}

/* ------------------------------------------------------------------------ */
/* XpPlacement: for one connection, which node every VM, SR and host is     */
/* shown under (one XpObjectList per node), and the fields the other views' */
/* filters and sorters depend on: "changed"/"names-changed" at most once    */
/* per idle.                                                                */

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
  gboolean        tags_changed; /* since the tree model last looked */

  GHashTable     *placed;       /* XapiObject* -> PlacedObject* (owned) */
  GHashTable     *lists;        /* node key -> XpObjectList* */
  GHashTable     *dirty;        /* XapiObject* (strong), to be placed again */
  gboolean        replace_all;  /* a host or PBD came or went */

  /* A bulk placement (the initial sync: 10,000 VMs) is spread over idles
   * of a few ms each: the objects' places and names are worked out a
   * slice at a time, then the new objects go into their lists one list at
   * a time (each list says so once).  Objects already shown that move are
   * placed in one pass, as ever, so that none is ever in two lists. */
  GPtrArray      *bulk;         /* XapiObject* (strong): to be worked out */
  guint           bulk_next;
  GPtrArray      *bulk_moving;  /* XapiObject* (strong): shown, and moving */
  GHashTable     *entering;     /* XpObjectList* -> GPtrArray of Staged* */
  GHashTable     *entering_sorted;  /* the XpObjectList* whose Staged are sorted */
  guint           enter_chunk;  /* objects per list_publish; see placement_bulk_enter */
};

G_DEFINE_FINAL_TYPE (XpPlacement, xp_placement, G_TYPE_OBJECT)

enum { PLACEMENT_CHANGED, PLACEMENT_NAMES_CHANGED, N_PLACEMENT_SIGNALS };
static guint placement_signals[N_PLACEMENT_SIGNALS];

/* Node keys: "hosts", "vm:pool", "vm:<host ref>", "sr:pool", "sr:<host ref>",
 * "templates:custom", "templates:default". */
static XpObjectList *
placement_list (XpPlacement *self,
                const char  *key)
{
  XpObjectList *list = g_hash_table_lookup (self->lists, key);

  if (list == NULL)
    {
      list = g_object_new (XP_TYPE_OBJECT_LIST, NULL);
      g_hash_table_insert (self->lists, g_strdup (key), list);
    }
  return list;
}

/* The node @object is shown under (NULL: none) and its sort key. */
static XpObjectList *
placement_place (XpPlacement *self,
                 XapiObject  *object,
                 gboolean    *first)
{
  *first = FALSE;
  if (XAPI_IS_VM (object))
    {
      XapiVm *vm = XAPI_VM (object);

      if (is_plain_vm (vm))
        {
          const char *home = vm_home (vm);

          if (home == NULL)
            return placement_list (self, "vm:pool");
          {
            g_autofree char *key = g_strconcat ("vm:", home, NULL);
            return placement_list (self, key);
          }
        }
      if (xapi_vm_get_is_a_template (vm) && !xapi_vm_get_is_a_snapshot (vm) && !vm_hidden (vm))
        return placement_list (self, xp_vm_is_default_template (vm) ? "templates:default"
                                                                    : "templates:custom");
      return NULL;
    }
  if (XAPI_IS_SR (object))
    {
      const char *home;

      if (sr_hidden (XAPI_SR (object)))
        return NULL;
      home = sr_home (XAPI_SR (object));
      if (home == NULL)
        return placement_list (self, "sr:pool");
      {
        g_autofree char *key = g_strconcat ("sr:", home, NULL);
        return placement_list (self, key);
      }
    }
  if (XAPI_IS_HOST (object))
    {
      *first = host_is_master (XAPI_HOST (object));
      return placement_list (self, "hosts");
    }
  return NULL;
}

typedef struct {
  PlacedObject *po;
  XpObjectList *to;
  char         *name;
  gboolean      first;
} Move;

static void
move_clear (Move *move)
{
  g_free (move->name);
}

static void
list_touch (GHashTable   *touched,
            XpObjectList *list)
{
  if (list == NULL)
    return;
  if (g_hash_table_add (touched, list))
    {
      /* what the list looked like, for the smallest items-changed */
      g_ptr_array_set_size (list->before, 0);
      g_ptr_array_extend (list->before, list->items, NULL, NULL);
      list->changes = 0;
    }
  list->changes++;
}

/* One items-changed for everything that happened to a list: from the first
 * position that differs to the last. */
static void
list_publish (XpObjectList *self)
{
  GPtrArray *old = self->before;
  guint prefix = 0, suffix = 0;
  guint n_old = old->len, n_new = self->items->len;

  while (prefix < n_old && prefix < n_new && old->pdata[prefix] == self->items->pdata[prefix])
    prefix++;
  while (suffix < n_old - prefix && suffix < n_new - prefix &&
         old->pdata[n_old - 1 - suffix] == self->items->pdata[n_new - 1 - suffix])
    suffix++;
  g_ptr_array_set_size (old, 0);
  if (prefix == n_old && prefix == n_new)
    return;
  g_list_model_items_changed (G_LIST_MODEL (self), prefix, n_old - prefix - suffix, n_new - prefix - suffix);
}

/* Merges the sorted @entering into the sorted list. */
static void
list_merge (XpObjectList *self,
            GPtrArray    *entering)
{
  g_autoptr(GPtrArray) merged = NULL;
  guint i = 0, j = 0;

  if (entering->len == 0)
    return;
  g_ptr_array_sort (entering, placed_object_compare_indirect);
  merged = g_ptr_array_sized_new (self->items->len + entering->len);
  while (i < self->items->len || j < entering->len)
    {
      if (j == entering->len ||
          (i < self->items->len &&
           placed_object_compare (self->items->pdata[i], entering->pdata[j]) <= 0))
        g_ptr_array_add (merged, self->items->pdata[i++]);
      else
        g_ptr_array_add (merged, entering->pdata[j++]);
    }
  g_ptr_array_set_size (self->items, 0);
  g_ptr_array_extend (self->items, merged, NULL, NULL);
}

/* Place @objects again.
 *
 * The list view rebinds every row in the range an items-changed covers
 * (GtkTreeListModel makes new row objects for it), and rebinding is what
 * costs.  So a list that few objects enter or leave (a rename, a VM
 * starting elsewhere) is told item by item; a list that changes a lot (the
 * initial sync: all of it) is merged and says so once, over the span that
 * changed. */
static void
placement_update (XpPlacement *self,
                  GPtrArray   *objects)
{
  g_autoptr(GArray) moves = g_array_new (FALSE, FALSE, sizeof (Move));
  g_autoptr(GHashTable) touched = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer key;

  g_array_set_clear_func (moves, (GDestroyNotify) move_clear);

  for (guint i = 0; i < objects->len; i++)
    {
      XapiObject *object = g_ptr_array_index (objects, i);
      PlacedObject *po = g_hash_table_lookup (self->placed, object);
      Move move = { 0 };
      g_autofree char *name = NULL;

      if (xapi_object_is_gone (object))
        continue;
      move.to = placement_place (self, object, &move.first);
      name = xp_object_dup_display_name (G_OBJECT (object));
      if (po == NULL)
        {
          if (move.to == NULL)
            continue;
          po = g_new0 (PlacedObject, 1);
          po->object = g_object_ref (object);
          g_hash_table_insert (self->placed, object, po);
        }
      else if (po->list == move.to && po->first == move.first && g_strcmp0 (po->name, name) == 0)
        continue;
      move.po = po;
      move.name = g_steal_pointer (&name);
      list_touch (touched, po->list);
      list_touch (touched, move.to);
      g_array_append_val (moves, move);
    }
  if (moves->len == 0)
    return;

  g_hash_table_iter_init (&iter, touched);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      XpObjectList *list = key;
      list->one_by_one = list->before->len > 0 && list->changes <= 32;
    }

  /* A list must be whole whenever it says items-changed: the tree reads
   * the others then.  So: the lists told item by item lose their objects
   * (found by the old names)... */
  for (guint i = 0; i < moves->len; i++)
    {
      Move *move = &g_array_index (moves, Move, i);
      XpObjectList *from = move->po->list;

      if (from == NULL)
        continue;
      if (from->one_by_one)
        object_list_remove (from, move->po);
      else
        move->po->leaving = TRUE;
    }
  for (guint i = 0; i < moves->len; i++)
    {
      Move *move = &g_array_index (moves, Move, i);

      g_free (move->po->name);
      move->po->name = g_steal_pointer (&move->name);
      move->po->first = move->first;
      move->po->list = NULL;
      if (move->to != NULL && !move->to->one_by_one)
        {
          g_ptr_array_add (move->to->entering, move->po);
          move->po->list = move->to;
        }
    }

  /* ...each of the others is updated and speaks once... */
  g_hash_table_iter_init (&iter, touched);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      XpObjectList *list = key;
      guint j = 0;

      if (list->one_by_one)
        continue;
      for (guint i = 0; i < list->items->len; i++)
        {
          PlacedObject *po = g_ptr_array_index (list->items, i);

          /* leaving: for another list, or to re-enter under a new name */
          if (!po->leaving)
            list->items->pdata[j++] = po;
        }
      g_ptr_array_set_size (list->items, j);
      list_merge (list, list->entering);
      g_ptr_array_set_size (list->entering, 0);
      list_publish (list);
    }

  /* ...and the lists told item by item gain theirs (under the new names). */
  for (guint i = 0; i < moves->len; i++)
    {
      Move *move = &g_array_index (moves, Move, i);

      move->po->leaving = FALSE;
      if (move->to != NULL && move->to->one_by_one)
        object_list_insert (move->to, move->po);
    }
}

static void
placement_add_store (GPtrArray *objects,
                     GListModel *store)
{
  guint n = g_list_model_get_n_items (store);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (objects, g_list_model_get_item (store, i));
}

static void placement_schedule (XpPlacement *self);

/* Objects placed again per slice (when it is not everything anew), slices
 * until the idle's budget is spent: in an event storm that renames VMs by
 * the thousand, a few at a time with frames painted in between rather than
 * one long stall (each object moved is two rows changed in the list view,
 * 0.3 ms each when they are on screen).  Past PLACEMENT_BULK waiting
 * objects (thousands of VMs added to a pool the tree already shows), a
 * bulk placement (below). */
#define PLACEMENT_SLICE 4
#define PLACEMENT_BULK  1024
/* Time spent per idle on a bulk placement; the list views measure what
 * changed straight after (GTK's layout runs before any input), so an idle
 * that puts rows in a shown list leaves room for that.  New objects enter
 * a list in chunks sized from what the last chunk cost, between
 * PLACEMENT_ENTER_MIN and PLACEMENT_ENTER_MAX objects, aiming at
 * PLACEMENT_ENTER_US each (in a shown list, 512 new rows at once was up
 * to 15 ms; in a collapsed one, under 1 ms).  They enter in an idle that
 * has not spent PLACEMENT_BUDGET_US working out places. */
#define PLACEMENT_BUDGET_US 4000
#define PLACEMENT_BULK_BUDGET_US 10000
#define PLACEMENT_ENTER_US 2500
#define PLACEMENT_ENTER_MIN 16
#define PLACEMENT_ENTER_MAX 256
/* Below the cache's idles (G_PRIORITY_DEFAULT_IDLE), so that an idle
 * applying a batch of events and a placement never share one main-loop
 * iteration (GLib dispatches every ready source of the top priority). */
#define PLACEMENT_PRIORITY (G_PRIORITY_DEFAULT_IDLE + 10)

typedef struct {
  XapiObject *object;   /* strong */
  char       *name;
  gboolean    first;
} Staged;

static void
staged_free (Staged *staged)
{
  g_object_unref (staged->object);
  g_free (staged->name);
  g_free (staged);
}

/* In list order (see placed_object_compare): a list is entered in
 * order, so each chunk adds one run of rows. */
static int
staged_compare (gconstpointer a,
                gconstpointer b)
{
  const Staged *sa = *(Staged * const *) a, *sb = *(Staged * const *) b;
  int c;

  if (sa->first != sb->first)
    return sa->first ? -1 : 1;
  c = xp_natural_compare (sa->name, sb->name);
  if (c == 0)
    c = g_strcmp0 (xapi_object_get_ref (sa->object), xapi_object_get_ref (sb->object));
  return c;
}

static gboolean
placement_bulk_pending (XpPlacement *self)
{
  return self->bulk != NULL || g_hash_table_size (self->entering) > 0 || self->bulk_moving->len > 0;
}

static void
placement_bulk_start (XpPlacement *self)
{
  GHashTableIter iter;
  gpointer key;

  self->bulk = g_ptr_array_new_with_free_func (g_object_unref);
  self->bulk_next = 0;
  if (self->replace_all)
    {
      placement_add_store (self->bulk, xapi_cache_get_objects (self->cache, XAPI_TYPE_HOST));
      placement_add_store (self->bulk, xapi_cache_get_objects (self->cache, XAPI_TYPE_VM));
      placement_add_store (self->bulk, xapi_cache_get_objects (self->cache, XAPI_TYPE_SR));
      self->replace_all = FALSE;
      g_hash_table_remove_all (self->dirty);
    }
  else
    {
      g_hash_table_iter_init (&iter, self->dirty);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        {
          g_ptr_array_add (self->bulk, g_object_ref (key));
          g_hash_table_iter_remove (&iter);
        }
    }
}

/* Works out places and names until @deadline; TRUE when all are. */
static gboolean
placement_bulk_compute (XpPlacement *self,
                        gint64       deadline)
{
  while (self->bulk_next < self->bulk->len)
    {
      XapiObject *object = g_ptr_array_index (self->bulk, self->bulk_next++);
      PlacedObject *po = g_hash_table_lookup (self->placed, object);
      g_autofree char *name = NULL;
      XpObjectList *to;
      gboolean first;

      if (!xapi_object_is_gone (object))
        {
          to = placement_place (self, object, &first);
          name = xp_object_dup_display_name (G_OBJECT (object));
          if (po != NULL)
            {
              if (po->list != to || po->first != first || g_strcmp0 (po->name, name) != 0)
                g_ptr_array_add (self->bulk_moving, g_object_ref (object));
            }
          else if (to != NULL)
            {
              GPtrArray *staged = g_hash_table_lookup (self->entering, to);
              Staged *st = g_new0 (Staged, 1);

              if (staged == NULL)
                {
                  staged = g_ptr_array_new_with_free_func ((GDestroyNotify) staged_free);
                  g_hash_table_insert (self->entering, to, staged);
                }
              st->object = g_object_ref (object);
              st->name = g_steal_pointer (&name);
              st->first = first;
              g_ptr_array_add (staged, st);
            }
        }
      if ((self->bulk_next & 15) == 0 && g_get_monotonic_time () >= deadline)
        break;
    }
  if (self->bulk_next < self->bulk->len)
    return FALSE;
  g_clear_pointer (&self->bulk, g_ptr_array_unref);
  return TRUE;
}

/* The objects already shown that move (a storm of renames), placed again
 * PLACEMENT_SLICE at a time until @deadline (each object in one
 * placement_update: it leaves a list and enters another at once); TRUE
 * when all are. */
static gboolean
placement_bulk_move (XpPlacement *self,
                     gint64       deadline)
{
  while (self->bulk_moving->len > 0)
    {
      guint n = MIN (self->bulk_moving->len, PLACEMENT_SLICE);
      g_autoptr(GPtrArray) slice = g_ptr_array_new_with_free_func (g_object_unref);

      for (guint i = self->bulk_moving->len - n; i < self->bulk_moving->len; i++)
        g_ptr_array_add (slice, g_object_ref (g_ptr_array_index (self->bulk_moving, i)));
      g_ptr_array_set_size (self->bulk_moving, self->bulk_moving->len - n);
      placement_update (self, slice);
      if (g_get_monotonic_time () >= deadline)
        break;
    }
  return self->bulk_moving->len == 0;
}

/* Next chunk's size, from what @n objects entering took (@spent µs). */
static void
placement_enter_learn (XpPlacement *self,
                       guint        n,
                       gint64       spent)
{
  guint64 next = (guint64) n * PLACEMENT_ENTER_US / MAX (spent, 1);

  /* at most twice as many as last time: a collapsed list is cheap, the
   * next one may be shown */
  next = MIN (next, 2 * (guint64) self->enter_chunk);
  self->enter_chunk = CLAMP (next, PLACEMENT_ENTER_MIN, PLACEMENT_ENTER_MAX);
}

/* New objects into their lists, a chunk at a time, while a chunk fits
 * before @deadline; TRUE when all are in.  Sorting a list's new objects
 * (thousands of names) counts against the same deadline. */
static gboolean
placement_bulk_enter (XpPlacement *self,
                      gint64       deadline)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->entering);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      XpObjectList *list = key;
      GPtrArray *staged = value;
      g_autoptr(GPtrArray) entering = NULL;
      gint64 began;
      guint n;

      /* a chunk is sized to cost PLACEMENT_ENTER_US; sorting a list's
       * new objects costs about as much */
      if (g_get_monotonic_time () + PLACEMENT_ENTER_US > deadline)
        return FALSE;
      if (g_hash_table_add (self->entering_sorted, list))
        g_ptr_array_sort (staged, staged_compare);
      began = g_get_monotonic_time ();
      if (began + PLACEMENT_ENTER_US > deadline)
        return FALSE;
      n = MIN (staged->len, self->enter_chunk);
      entering = g_ptr_array_sized_new (n);
      for (guint i = 0; i < n; i++)
        {
          Staged *st = g_ptr_array_index (staged, i);
          PlacedObject *po;

          /* gone meanwhile, or placed by now */
          if (xapi_object_is_gone (st->object) || g_hash_table_contains (self->placed, st->object))
            continue;
          po = g_new0 (PlacedObject, 1);
          po->object = g_object_ref (st->object);
          po->name = g_steal_pointer (&st->name);
          po->first = st->first;
          po->list = list;
          g_hash_table_insert (self->placed, po->object, po);
          g_ptr_array_add (entering, po);
        }
      g_ptr_array_remove_range (staged, 0, n);
      g_ptr_array_set_size (list->before, 0);
      g_ptr_array_extend (list->before, list->items, NULL, NULL);
      list_merge (list, entering);
      /* done with before it speaks: what it holds is all placed then */
      if (staged->len == 0)
        {
          g_hash_table_remove (self->entering_sorted, list);
          g_hash_table_iter_remove (&iter);
        }
      list_publish (list);
      if (n == self->enter_chunk)
        placement_enter_learn (self, n, g_get_monotonic_time () - began);
      /* the table may have changed under a handler: start over */
      g_hash_table_iter_init (&iter, self->entering);
    }
  return TRUE;
}

/* Place dirty objects (or every object, when a host or PBD changed);
 * returns whether some are left for the next idle. */
static gboolean
placement_flush (XpPlacement *self,
                 guint        max)
{
  g_autoptr(GPtrArray) objects = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer key;

  if (self->replace_all)
    {
      placement_add_store (objects, xapi_cache_get_objects (self->cache, XAPI_TYPE_HOST));
      placement_add_store (objects, xapi_cache_get_objects (self->cache, XAPI_TYPE_VM));
      placement_add_store (objects, xapi_cache_get_objects (self->cache, XAPI_TYPE_SR));
      self->replace_all = FALSE;
      g_hash_table_remove_all (self->dirty);
    }
  else
    {
      if (g_hash_table_size (self->dirty) > PLACEMENT_BULK)
        max = G_MAXUINT;
      g_hash_table_iter_init (&iter, self->dirty);
      while (objects->len < max && g_hash_table_iter_next (&iter, &key, NULL))
        {
          g_ptr_array_add (objects, g_object_ref (key));
          g_hash_table_iter_remove (&iter);
        }
    }
  placement_update (self, objects);
  return g_hash_table_size (self->dirty) > 0;
}

static gboolean
placement_idle_cb (gpointer data)
{
  XpPlacement *self = data;
  gboolean placement = self->placement_dirty, names = self->names_dirty;

  self->idle_id = 0;
  /* Re-placing rows after each chunk of an initial sync would make the
   * sync quadratic: wait until the batch is applied ("apply-progress"
   * reschedules us). */
  if (xapi_cache_is_applying (self->cache))
    return G_SOURCE_REMOVE;
  g_object_ref (self);
  if (!placement_bulk_pending (self) &&
      (self->replace_all || g_hash_table_size (self->dirty) > PLACEMENT_BULK))
    placement_bulk_start (self);
  if (placement_bulk_pending (self))
    {
      gint64 start = g_get_monotonic_time ();
      gint64 deadline = start + PLACEMENT_BULK_BUDGET_US;

      /* new objects in longer slices (the tree fills sooner), moves in 4 ms;
       * a list's objects enter at the next idle if working out their places
       * took this one */
      if ((self->bulk == NULL || placement_bulk_compute (self, deadline)) &&
          g_get_monotonic_time () < start + PLACEMENT_BUDGET_US &&
          placement_bulk_enter (self, deadline) &&
          placement_bulk_move (self, MIN (deadline, start + PLACEMENT_BUDGET_US)) &&
          !self->replace_all && g_hash_table_size (self->dirty) == 0)
        goto done;
      placement_schedule (self);
      g_object_unref (self);
      return G_SOURCE_REMOVE;
    }
  {
    gint64 deadline = g_get_monotonic_time () + PLACEMENT_BUDGET_US;
    gboolean more;

    while ((more = placement_flush (self, PLACEMENT_SLICE)) && g_get_monotonic_time () < deadline)
      ;
    if (more)
      {
        /* the rest (and the signals) at the next idle */
        placement_schedule (self);
        g_object_unref (self);
        return G_SOURCE_REMOVE;
      }
  }
done:
  self->placement_dirty = self->names_dirty = FALSE;
  if (placement)
    g_signal_emit (self, placement_signals[PLACEMENT_CHANGED], 0);
  if (names)
    g_signal_emit (self, placement_signals[PLACEMENT_NAMES_CHANGED], 0);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static gboolean
placement_pending (XpPlacement *self)
{
  return self->placement_dirty || self->names_dirty || self->replace_all ||
         g_hash_table_size (self->dirty) > 0 || placement_bulk_pending (self);
}

static void
placement_schedule (XpPlacement *self)
{
  if (self->idle_id == 0)
    self->idle_id = g_idle_add_full (PLACEMENT_PRIORITY, placement_idle_cb, self, NULL);
}

static void
placement_mark (XpPlacement *self,
                GObject     *object)
{
  if (XAPI_IS_VM (object) || XAPI_IS_SR (object) || XAPI_IS_HOST (object))
    g_hash_table_add (self->dirty, g_object_ref (object));
  else if (XAPI_IS_PBD (object))
    self->replace_all = TRUE;   /* moves local SRs */
  else if (XAPI_IS_POOL (object))
    {
      /* a new master sorts first among the hosts */
      GListModel *hosts = xapi_cache_get_objects (self->cache, XAPI_TYPE_HOST);
      guint n = g_list_model_get_n_items (hosts);

      for (guint i = 0; i < n; i++)
        g_hash_table_add (self->dirty, g_list_model_get_item (hosts, i));
    }
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
           g_str_equal (name, "is-a-snapshot") || g_str_equal (name, "tags") ||
           g_str_equal (name, "is-control-domain"))
    {
      self->placement_dirty = TRUE;
      self->tags_changed |= g_str_equal (name, "tags");
    }
  else
    return;
  placement_mark (self, object);
  placement_schedule (self);
}

static void
placement_apply_progress_cb (XapiCache  *cache,
                             GParamSpec *pspec,
                             gpointer    user_data)
{
  XpPlacement *self = user_data;

  if (placement_pending (self))
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
      self->replace_all = TRUE;
    }
  placement_mark (self, G_OBJECT (object));
  placement_schedule (self);
}

static void
placement_object_removed_cb (XapiCache  *cache,
                             XapiObject *object,
                             gpointer    user_data)
{
  XpPlacement *self = user_data;
  PlacedObject *po = g_hash_table_lookup (self->placed, object);

  /* At once: a list must not hand out objects that are gone. */
  if (po != NULL && po->list != NULL)
    object_list_remove (po->list, po);
  g_hash_table_remove (self->placed, object);
  g_hash_table_remove (self->dirty, object);
  if (XAPI_IS_HOST (object) || XAPI_IS_PBD (object))
    {
      self->replace_all = TRUE;
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
  g_clear_pointer (&self->dirty, g_hash_table_unref);
  g_clear_pointer (&self->bulk, g_ptr_array_unref);
  if (self->bulk_moving != NULL)
    g_ptr_array_set_size (self->bulk_moving, 0);
  if (self->entering != NULL)
    g_hash_table_remove_all (self->entering);
  if (self->entering_sorted != NULL)
    g_hash_table_remove_all (self->entering_sorted);
  /* A tree may outlive us: its lists end up empty, not pointing at freed
   * entries. */
  if (self->lists != NULL)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->lists);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          XpObjectList *list = value;
          guint n = list->items->len;

          g_ptr_array_set_size (list->items, 0);
          if (n > 0)
            g_list_model_items_changed (G_LIST_MODEL (list), 0, n, 0);
        }
    }
  G_OBJECT_CLASS (xp_placement_parent_class)->dispose (object);
}

static void
xp_placement_finalize (GObject *object)
{
  XpPlacement *self = XP_PLACEMENT (object);

  /* The lists before the objects they point to. */
  g_clear_pointer (&self->entering, g_hash_table_unref);
  g_clear_pointer (&self->entering_sorted, g_hash_table_unref);
  g_clear_pointer (&self->bulk_moving, g_ptr_array_unref);
  g_clear_pointer (&self->lists, g_hash_table_unref);
  g_clear_pointer (&self->placed, g_hash_table_unref);
  G_OBJECT_CLASS (xp_placement_parent_class)->finalize (object);
}

static void
xp_placement_class_init (XpPlacementClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = xp_placement_dispose;
  G_OBJECT_CLASS (klass)->finalize = xp_placement_finalize;
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
  self->placed = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) placed_object_free);
  self->lists = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->dirty = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->bulk_moving = g_ptr_array_new_with_free_func (g_object_unref);
  self->entering = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  self->entering_sorted = g_hash_table_new (NULL, NULL);
  self->enter_chunk = PLACEMENT_ENTER_MIN;
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
  g_signal_connect_object (self->cache, "object-removed",
                           G_CALLBACK (placement_object_removed_cb), self, 0);
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
  /* What is cached already is shown at once. */
  self->replace_all = TRUE;
  placement_flush (self, G_MAXUINT);
  return self;
}

/* ------------------------------------------------------------------------ */
/* XpTreeModel                                                              */

typedef struct _XpSearchList XpSearchList;

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
  XpSearchList     *search_list;     /* the flat list while searching */
  GtkTreeListModel *search_model;    /* over search_list, kept between searches */
  guint             prepare_id;      /* idle: the search's candidates collected ahead */
  GtkTreeListModel *saved_tree;      /* the Infrastructure tree, kept while searching */
  GPtrArray        *objects_filters; /* GtkFilter*, of the current Objects view */
  char             *groups_key;      /* the tags or folders the current view was built with */
};

G_DEFINE_FINAL_TYPE (XpTreeModel, xp_tree_model, G_TYPE_OBJECT)

enum { PROP_0, PROP_MODEL, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void rebuild (XpTreeModel *self);

/* Natural order by name; as in XenCenter, a pool's master comes first.
 * Runs O(n log n) times per sort: no copies of the names. */
static int
sort_by_name (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  g_autofree char *built_a = NULL;
  g_autofree char *built_b = NULL;
  const char *na, *nb;
  int c;

  if (XAPI_IS_HOST ((gpointer) a) && XAPI_IS_HOST ((gpointer) b))
    {
      gboolean ma = host_is_master (XAPI_HOST ((gpointer) a));
      gboolean mb = host_is_master (XAPI_HOST ((gpointer) b));

      if (ma != mb)
        return ma ? -1 : 1;
    }
  na = object_peek_name ((GObject *) a);
  if (na == NULL)
    na = built_a = xp_object_dup_display_name ((GObject *) a);
  nb = object_peek_name ((GObject *) b);
  if (nb == NULL)
    nb = built_b = xp_object_dup_display_name ((GObject *) b);
  c = xp_natural_compare (na, nb);

  if (c == 0 && XAPI_IS_OBJECT ((gpointer) a) && XAPI_IS_OBJECT ((gpointer) b))
    c = g_strcmp0 (xapi_object_get_ref ((XapiObject *) a), xapi_object_get_ref ((XapiObject *) b));
  return c;
}

/* ------------------------------------------------------------------------ */
/* XpSearchList: the search's flat list.                                    */
/*                                                                          */
/* Every pool, host, VM, SR and network, sorted once (again only after a    */
/* rename), and the ones matching the text.  A key press re-checks the      */
/* matches only when the text grew, and says what changed as runs of rows  */
/* removed or added: typing "vm-04" after "vm-0" removes two runs, the rows */
/* that stay are neither removed nor added again (a filter model over a     */
/* sort model said "all 9,999 rows replaced by 1,000", and the tree list    */
/* model and the list view rebuilt every one of them).                     */

#define XP_TYPE_SEARCH_LIST (xp_search_list_get_type ())
G_DECLARE_FINAL_TYPE (XpSearchList, xp_search_list, XP, SEARCH_LIST, GObject)

/* What a query is looked for in, kept beside each candidate: a key press
 * reads 10,000 short strings in a row, not 10,000 objects spread over the
 * heap (their names, tags and cached folded copies: ~15 ms in cache misses). */
typedef struct {
  char     *text;             /* folded name and folded tags, one per line */
  gboolean  host;             /* also matched by address */
} SearchKey;

struct _XpSearchList
{
  GObject     parent_instance;
  GListModel *connections;    /* strong */
  GPtrArray  *all;            /* XapiObject* (strong), sorted; NULL: collect again */
  GArray     *keys;           /* SearchKey, one per object of all */
  gboolean    keys_stale;     /* keys do not follow all: made again before use */
  gboolean    all_sorted;     /* FALSE after a rename: sort again before use */
  GPtrArray  *sorting;        /* while all is sorted a slice at a time: its runs merged */
  guint       sort_width;     /* runs of this many are sorted; 0: none yet */
  guint       sort_next;      /* the first not yet sorted, or merged in this pass */
  guint       order;          /* bumped whenever the order of all changes */
  GPtrArray  *matches;        /* XapiObject* (strong), in the order of all */
  guint       matches_order;  /* the order matches were taken in */
  char       *query;          /* case-folded; NULL: nothing matches */
  gboolean    address_like;   /* the query may start a UUID or an address */
  gboolean    show_templates;
};

static GType
xp_search_list_get_item_type (GListModel *model)
{
  return G_TYPE_OBJECT;
}

static guint
xp_search_list_get_n_items (GListModel *model)
{
  return XP_SEARCH_LIST (model)->matches->len;
}

static gpointer
xp_search_list_get_item (GListModel *model,
                         guint       position)
{
  XpSearchList *self = XP_SEARCH_LIST (model);

  if (position >= self->matches->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->matches, position));
}

static void
xp_search_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = xp_search_list_get_item_type;
  iface->get_n_items = xp_search_list_get_n_items;
  iface->get_item = xp_search_list_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (XpSearchList, xp_search_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, xp_search_list_model_init))

static void
xp_search_list_finalize (GObject *object)
{
  XpSearchList *self = XP_SEARCH_LIST (object);

  g_clear_pointer (&self->all, g_ptr_array_unref);
  g_clear_pointer (&self->sorting, g_ptr_array_unref);
  g_clear_pointer (&self->keys, g_array_unref);
  g_clear_pointer (&self->matches, g_ptr_array_unref);
  g_clear_object (&self->connections);
  g_free (self->query);
  G_OBJECT_CLASS (xp_search_list_parent_class)->finalize (object);
}

static void
xp_search_list_class_init (XpSearchListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = xp_search_list_finalize;
}

static void
search_key_clear (gpointer data)
{
  g_free (((SearchKey *) data)->text);
}

static void
xp_search_list_init (XpSearchList *self)
{
  self->matches = g_ptr_array_new_with_free_func (g_object_unref);
  self->keys = g_array_new (FALSE, FALSE, sizeof (SearchKey));
  g_array_set_clear_func (self->keys, search_key_clear);
  self->keys_stale = TRUE;
}

static XpSearchList *
xp_search_list_new (GListModel *connections)
{
  XpSearchList *self = g_object_new (XP_TYPE_SEARCH_LIST, NULL);

  self->connections = g_object_ref (connections);
  return self;
}

static gboolean
search_candidate_type (gpointer object)
{
  return XAPI_IS_POOL (object) || XAPI_IS_HOST (object) || XAPI_IS_VM (object) ||
         XAPI_IS_SR (object) || XAPI_IS_NETWORK (object);
}

static int
search_compare (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  return sort_by_name (*(gpointer const *) a, *(gpointer const *) b, NULL);
}

/* @text case-folded onto @out; ASCII (most names) without a copy. */
static void
append_folded (GString    *out,
               const char *text)
{
  g_autofree char *folded = NULL;
  const char *p = text;

  while (*p != '\0' && (guchar) *p < 0x80)
    p++;
  if (*p == '\0')
    {
      for (p = text; *p != '\0'; p++)
        g_string_append_c (out, g_ascii_tolower (*p));
      return;
    }
  folded = g_utf8_casefold (text, -1);
  g_string_append (out, folded);
}

static SearchKey
search_key_make (XapiObject *object)
{
  g_autofree char *built = NULL;
  const char *name = object_peek_name (G_OBJECT (object));
  const char * const *tags = object_search_tags (object);
  GString *text = g_string_sized_new (32);

  if (name == NULL)
    name = built = xp_object_dup_display_name (G_OBJECT (object));
  append_folded (text, name);
  for (guint i = 0; tags != NULL && tags[i] != NULL; i++)
    {
      g_string_append_c (text, '\n');
      append_folded (text, tags[i]);
    }
  return (SearchKey) { g_string_free (text, FALSE), XAPI_IS_HOST (object) };
}

/* The keys no longer follow the candidates: made again, from the first. */
static void
search_list_keys_invalidate (XpSearchList *self)
{
  self->keys_stale = TRUE;
  g_array_set_size (self->keys, 0);
}

/* Makes up to @max more keys (they follow all while stale, from the
 * first, as far as made); returns whether every key is made. */
static gboolean
search_list_make_keys (XpSearchList *self,
                       guint         max)
{
  guint end = self->all->len - self->keys->len <= max ? self->all->len : self->keys->len + max;

  for (guint i = self->keys->len; i < end; i++)
    {
      SearchKey key = search_key_make (self->all->pdata[i]);

      g_array_append_val (self->keys, key);
    }
  self->keys_stale = self->keys->len < self->all->len;
  return !self->keys_stale;
}

/* all changed under a sort done in slices: it starts over. */
static void
search_list_sort_restart (XpSearchList *self)
{
  g_clear_pointer (&self->sorting, g_ptr_array_unref);
}

/* Sorting all takes ~18 ms for 10,000 candidates: done ahead, it is a
 * bottom-up merge sort a slice at a time.  Runs of SORT_RUN are sorted
 * first, then merged pairwise, pass after pass, into sorting and copied
 * back; each step is checked against the deadline. */
#define SORT_RUN 64

static void
search_list_sort_merge (XpSearchList *self)
{
  gpointer *in = self->all->pdata, *out = self->sorting->pdata;
  guint n = self->all->len, width = self->sort_width;
  guint lo = self->sort_next, mid = MIN (lo + width, n), hi = MIN (lo + 2 * width, n);
  guint i = lo, j = mid, k = lo;

  while (i < mid && j < hi)
    out[k++] = sort_by_name (in[j], in[i], NULL) < 0 ? in[j++] : in[i++];
  while (i < mid)
    out[k++] = in[i++];
  while (j < hi)
    out[k++] = in[j++];
  self->sort_next = hi;
  if (hi == n)
    {
      memcpy (in, out, n * sizeof (gpointer));
      self->sort_width *= 2;
      self->sort_next = 0;
    }
}

/* Sorts all until @deadline; TRUE when it is sorted. */
static gboolean
search_list_sort (XpSearchList *self,
                  gint64        deadline)
{
  guint n = self->all->len;

  if (self->sorting == NULL)
    {
      self->sorting = g_ptr_array_sized_new (n);
      g_ptr_array_set_size (self->sorting, n);
      self->sort_width = 0;
      self->sort_next = 0;
    }
  while (self->sort_width == 0 || self->sort_width < n)
    {
      if (self->sort_width == 0)
        {
          guint hi = MIN (self->sort_next + SORT_RUN, n);

          g_qsort_with_data (self->all->pdata + self->sort_next, hi - self->sort_next,
                             sizeof (gpointer), search_compare, NULL);
          self->sort_next = hi;
          if (hi == n)
            {
              self->sort_width = SORT_RUN;
              self->sort_next = 0;
            }
        }
      else
        search_list_sort_merge (self);
      if (g_get_monotonic_time () >= deadline)
        return FALSE;
    }
  g_clear_pointer (&self->sorting, g_ptr_array_unref);
  return TRUE;
}

/* The candidates, collected, and sorted until @deadline if need be (their
 * keys may be stale); TRUE when they are sorted. */
static gboolean
search_list_ensure_sorted (XpSearchList *self,
                           gint64        deadline)
{
  const GType types[] = { XAPI_TYPE_POOL, XAPI_TYPE_HOST, XAPI_TYPE_VM, XAPI_TYPE_SR, XAPI_TYPE_NETWORK };

  if (self->all == NULL)
    {
      guint n = g_list_model_get_n_items (self->connections);

      self->all = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint c = 0; c < n; c++)
        {
          g_autoptr(XapiConnection) conn = g_list_model_get_item (self->connections, c);
          XapiCache *cache = xapi_connection_get_cache (conn);

          for (guint t = 0; t < G_N_ELEMENTS (types); t++)
            {
              GListModel *store = xapi_cache_get_objects (cache, types[t]);
              guint m = g_list_model_get_n_items (store);

              for (guint i = 0; i < m; i++)
                g_ptr_array_add (self->all, g_list_model_get_item (store, i));
            }
        }
      self->all_sorted = FALSE;
      search_list_sort_restart (self);
    }
  if (!self->all_sorted)
    {
      if (!search_list_sort (self, deadline))
        return FALSE;
      self->all_sorted = TRUE;
      self->order++;
      search_list_keys_invalidate (self);
    }
  return TRUE;
}

/* The candidates, collected and sorted if need be, with their keys. */
static GPtrArray *
search_list_ensure_all (XpSearchList *self)
{
  search_list_ensure_sorted (self, G_MAXINT64);
  if (self->keys_stale)
    search_list_make_keys (self, G_MAXUINT);
  return self->all;
}

/* Whether @item is a row of the search when it matches the text. */
static gboolean
search_list_shows (XpSearchList *self,
                   XapiObject   *item)
{
  if (XAPI_IS_VM (item) && xapi_vm_get_is_control_domain (XAPI_VM (item)))
    return FALSE;
  if (XAPI_IS_VM (item) && !self->show_templates && xapi_vm_get_is_a_template (XAPI_VM (item)) &&
      xp_vm_is_default_template (XAPI_VM (item)))
    return FALSE;
  return TRUE;
}

static gboolean
search_list_matches (XpSearchList *self,
                     XapiObject   *item)
{
  return search_list_shows (self, item) && object_matches_search (item, self->query, self->address_like);
}

/* Whether all->pdata[i] matches, looking at its key first: the object
 * itself only when the key matches, or for an address.  @by_key: the query
 * has no line break (the keys' separator). */
static gboolean
search_list_matches_at (XpSearchList *self,
                        guint         i,
                        gboolean      by_key)
{
  const SearchKey *key = &g_array_index (self->keys, SearchKey, i);
  XapiObject *object = self->all->pdata[i];

  if (by_key && strstr (key->text, self->query) != NULL)
    return search_list_shows (self, object);
  if (by_key && !key->host && !self->address_like)
    return FALSE;
  return search_list_matches (self, object);
}

/* Past this many runs of rows coming or going, one change says it all. */
#define SEARCH_MAX_RUNS 64

/* @next replaces the matches.  @subset: @next is a subsequence of the
 * matches; @superset: the matches are a subsequence of @next. */
static void
search_list_publish (XpSearchList *self,
                     GPtrArray    *next,
                     gboolean      subset,
                     gboolean      superset)
{
  GPtrArray *old = self->matches;
  guint n_old = old->len, n_new = next->len;

  if (subset || superset)
    {
      g_autoptr(GArray) runs = g_array_new (FALSE, FALSE, sizeof (guint) * 2);
      GPtrArray *longer = subset ? old : next, *shorter = subset ? next : old;
      guint i = 0, j = 0;

      /* runs of the longer array that the shorter one does not have */
      while (i < longer->len && runs->len <= SEARCH_MAX_RUNS)
        {
          guint run[2] = { i, 0 };

          while (i < longer->len && (j >= shorter->len || longer->pdata[i] != shorter->pdata[j]))
            i++;
          run[1] = i - run[0];
          if (run[1] > 0)
            g_array_append_val (runs, run);
          if (i < longer->len)
            {
              i++;
              j++;
            }
        }
      if (runs->len <= SEARCH_MAX_RUNS && j == shorter->len)
        {
          if (subset)
            for (guint r = runs->len; r > 0; r--)
              {
                guint *run = &g_array_index (runs, guint, 2 * (r - 1));

                g_ptr_array_remove_range (old, run[0], run[1]);
                g_list_model_items_changed (G_LIST_MODEL (self), run[0], run[1], 0);
              }
          else
            for (guint r = 0; r < runs->len; r++)
              {
                guint *run = &g_array_index (runs, guint, 2 * r);
                guint len = old->len;

                g_ptr_array_set_size (old, len + run[1]);
                memmove (old->pdata + run[0] + run[1], old->pdata + run[0],
                         (len - run[0]) * sizeof (gpointer));
                for (guint k = 0; k < run[1]; k++)
                  old->pdata[run[0] + k] = g_object_ref (next->pdata[run[0] + k]);
                g_list_model_items_changed (G_LIST_MODEL (self), run[0], 0, run[1]);
              }
          return;
        }
    }

  /* one change, from the first row that differs to the last */
  {
    guint prefix = 0, suffix = 0;

    while (prefix < n_old && prefix < n_new && old->pdata[prefix] == next->pdata[prefix])
      prefix++;
    while (suffix < n_old - prefix && suffix < n_new - prefix &&
           old->pdata[n_old - 1 - suffix] == next->pdata[n_new - 1 - suffix])
      suffix++;
    self->matches = g_ptr_array_ref (next);
    if (prefix < n_old || prefix < n_new)
      g_list_model_items_changed (G_LIST_MODEL (self), prefix,
                                  n_old - prefix - suffix, n_new - prefix - suffix);
    g_ptr_array_unref (old);
  }
}

/* Match again: only the current matches when @change is MORE_STRICT (and
 * the order has not changed since), else every candidate. */
static void
search_list_refilter (XpSearchList    *self,
                      GtkFilterChange  change)
{
  g_autoptr(GPtrArray) next = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean same_order, by_key;
  GPtrArray *all;

  if (self->query == NULL)
    {
      search_list_publish (self, next, TRUE, FALSE);
      return;
    }
  /* Every candidate, even when typing on: their keys are quicker to read
   * than the current matches' objects. */
  all = search_list_ensure_all (self);
  same_order = self->order == self->matches_order;
  by_key = strchr (self->query, '\n') == NULL;
  for (guint i = 0; i < all->len; i++)
    if (search_list_matches_at (self, i, by_key))
      g_ptr_array_add (next, g_object_ref (all->pdata[i]));
  self->matches_order = self->order;
  search_list_publish (self, next,
                       same_order && change == GTK_FILTER_CHANGE_MORE_STRICT,
                       same_order && change == GTK_FILTER_CHANGE_LESS_STRICT);
}

/* A NULL @folded ends the search, but the rows stay as they were: the
 * list view that shows them is hidden then, and the next search starts
 * from them (often few rows differ) rather than from nothing. */
static void
search_list_set_query (XpSearchList    *self,
                       const char      *folded,
                       gboolean         show_templates,
                       GtkFilterChange  change)
{
  if (self->query == NULL || folded == NULL || self->show_templates != show_templates)
    change = GTK_FILTER_CHANGE_DIFFERENT;
  if (folded == NULL)
    {
      g_clear_pointer (&self->query, g_free);
      return;
    }
  g_free (self->query);
  self->query = g_strdup (folded);
  self->address_like = folded != NULL && search_text_is_address_like (folded);
  self->show_templates = show_templates;
  search_list_refilter (self, change);
}

/* Where @object goes in @array (sorted by name). */
static guint
search_lower_bound (GPtrArray *array,
                    gpointer   object)
{
  guint lo = 0, hi = array->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (sort_by_name (array->pdata[mid], object, NULL) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static void
search_list_object_added (XpSearchList *self,
                          XapiObject   *object)
{
  guint at;

  if (self->all == NULL || !search_candidate_type (object))
    return;
  at = self->all_sorted ? search_lower_bound (self->all, object) : self->all->len;
  g_ptr_array_insert (self->all, (int) at, g_object_ref (object));
  search_list_sort_restart (self);
  /* Not searching (a sync adds thousands): all keys made again in one go,
   * when the search starts or ahead of it. */
  if (self->query == NULL || self->keys_stale)
    search_list_keys_invalidate (self);
  else
    {
      SearchKey key = search_key_make (object);

      g_array_insert_val (self->keys, at, key);
    }
  if (self->query != NULL && search_list_matches (self, object))
    {
      guint pos = search_lower_bound (self->matches, object);

      g_ptr_array_insert (self->matches, pos, g_object_ref (object));
      g_list_model_items_changed (G_LIST_MODEL (self), pos, 0, 1);
    }
}

static void
search_list_object_removed (XpSearchList *self,
                            XapiObject   *object)
{
  guint pos;

  if (!search_candidate_type (object))
    return;
  if (self->all != NULL && g_ptr_array_find (self->all, object, &pos))
    {
      g_ptr_array_remove_index (self->all, pos);
      search_list_sort_restart (self);
      if (!self->keys_stale)
        g_array_remove_index (self->keys, pos);
      else
        search_list_keys_invalidate (self);
    }
  if (g_ptr_array_find (self->matches, object, &pos))
    {
      g_ptr_array_remove_index (self->matches, pos);
      g_list_model_items_changed (G_LIST_MODEL (self), pos, 1, 0);
    }
}

/* A rename: sorted again when next used. */
static void
search_list_names_changed (XpSearchList *self)
{
  self->all_sorted = FALSE;
  search_list_sort_restart (self);
  search_list_keys_invalidate (self);
  if (self->query != NULL)
    search_list_refilter (self, GTK_FILTER_CHANGE_DIFFERENT);
}

/* Connections came or went: collected again when next used. */
static void
search_list_reset (XpSearchList *self)
{
  g_clear_pointer (&self->all, g_ptr_array_unref);
  search_list_sort_restart (self);
  search_list_keys_invalidate (self);
  if (self->query != NULL)
    search_list_refilter (self, GTK_FILTER_CHANGE_DIFFERENT);
}

/* ------------------------------------------------------------------------ */

static void
names_changed_cb (XpPlacement *placement,
                  XpTreeModel *self)
{
  gtk_sorter_changed (self->sorter, GTK_SORTER_CHANGE_DIFFERENT);
  search_list_names_changed (self->search_list);
}

static void
search_object_added_cb (XapiCache   *cache,
                        XapiObject  *object,
                        XpTreeModel *self)
{
  search_list_object_added (self->search_list, object);
}

static void
search_object_removed_cb (XapiCache   *cache,
                          XapiObject  *object,
                          XpTreeModel *self)
{
  search_list_object_removed (self->search_list, object);
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
      g_signal_connect_object (xapi_connection_get_cache (connection), "object-added",
                               G_CALLBACK (search_object_added_cb), self, 0);
      g_signal_connect_object (xapi_connection_get_cache (connection), "object-removed",
                               G_CALLBACK (search_object_removed_cb), self, 0);
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

/* ---- per-node children ---- */

static GListModel *
node_list (XpPlacement *placement,
           const char  *key)
{
  return g_object_ref (G_LIST_MODEL (placement_list (placement, key)));
}

static GListModel *
pool_children (XpTreeModel *self,
               XapiPool    *pool)
{
  XapiConnection *conn = xapi_object_get_connection (XAPI_OBJECT (pool));
  XpPlacement *pl = get_placement (self, conn);
  GListModel *models[5];
  guint n = 0;

  models[n++] = node_list (pl, "hosts");
  models[n++] = node_list (pl, "vm:pool");
  models[n++] = node_list (pl, "sr:pool");
  models[n++] = node_list (pl, "templates:custom");
  if (self->show_templates)
    models[n++] = node_list (pl, "templates:default");
  return flatten (models, n);
}

static GListModel *
host_children (XpTreeModel *self,
               XapiHost    *host)
{
  XapiConnection *conn = xapi_object_get_connection (XAPI_OBJECT (host));
  XpPlacement *pl = get_placement (self, conn);
  g_autofree char *vms = g_strconcat ("vm:", xapi_object_get_ref (XAPI_OBJECT (host)), NULL);
  g_autofree char *srs = g_strconcat ("sr:", xapi_object_get_ref (XAPI_OBJECT (host)), NULL);
  GListModel *models[2];

  models[0] = node_list (pl, vms);
  models[1] = node_list (pl, srs);
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

static GListModel *
create_no_children (gpointer item,
                    gpointer user_data)
{
  return NULL;
}

static GListModel *
create_child_model (gpointer item,
                    gpointer user_data)
{
  XpTreeModel *self = user_data;

  /* (also while a search is shown: the tree kept for when it ends gets the
   * rows of a pool connected meanwhile, and a row found empty once stays
   * so) */
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

/* Keys made per idle ahead of a search (~4 ms). */
#define SEARCH_PREPARE_KEYS 2048
#define SEARCH_PREPARE_US 4000

/* Once the objects are placed (the sync is over), the search's candidates
 * are collected, sorted and given their keys ahead, not at the first key
 * press: in idles of their own, after any other idle work (a list view
 * growing, say), a few ms each.  After renames, the first search sorts
 * them again. */
static gboolean
search_prepare_cb (gpointer data)
{
  XpTreeModel *self = data;
  XpSearchList *list = self->search_list;
  guint order;

  if (self->search != NULL)
    {
      self->prepare_id = 0;
      return G_SOURCE_REMOVE;   /* the search makes what it needs */
    }
  order = list->order;
  if (!search_list_ensure_sorted (list, g_get_monotonic_time () + SEARCH_PREPARE_US) ||
      list->order != order)
    return G_SOURCE_CONTINUE;   /* the keys at the next idle, if sorting took this one */
  if (list->keys_stale && !search_list_make_keys (list, SEARCH_PREPARE_KEYS))
    return G_SOURCE_CONTINUE;
  self->prepare_id = 0;
  return G_SOURCE_REMOVE;
}

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
  if (placement->tags_changed)
    {
      placement->tags_changed = FALSE;
      search_list_keys_invalidate (self->search_list);
    }
  if (self->search != NULL)
    search_list_refilter (self->search_list, GTK_FILTER_CHANGE_DIFFERENT);
  else if ((self->search_list->all == NULL || self->search_list->keys_stale) && self->prepare_id == 0)
    self->prepare_id = g_idle_add_full (G_PRIORITY_LOW + 10, search_prepare_cb, self, NULL);
}

static void
rebuild (XpTreeModel *self)
{
  GListModel *root;
  guint n = g_list_model_get_n_items (self->connections);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(XapiConnection) conn = g_list_model_get_item (self->connections, i);
      get_placement (self, conn);
    }

  if (self->search != NULL)
    {
      /* The Infrastructure tree is kept as it is (expanded rows and all)
       * for when the search is cleared: made again, it would autoexpand
       * every node of a 10,000-VM pool. */
      if (self->model != NULL && self->view == XP_TREE_VIEW_INFRASTRUCTURE &&
          gtk_tree_list_model_get_model (self->model) == self->connections)
        g_set_object (&self->saved_tree, self->model);
      search_list_set_query (self->search_list, self->search, self->show_templates,
                             GTK_FILTER_CHANGE_DIFFERENT);
      if (self->search_model == NULL)
        self->search_model = gtk_tree_list_model_new (g_object_ref (G_LIST_MODEL (self->search_list)),
                                                      FALSE, FALSE, create_no_children, NULL, NULL);
      g_set_object (&self->model, self->search_model);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
      return;
    }
  else if (self->view == XP_TREE_VIEW_INFRASTRUCTURE && self->saved_tree != NULL)
    {
      g_clear_object (&self->model);
      self->model = g_steal_pointer (&self->saved_tree);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
      search_list_set_query (self->search_list, NULL, self->show_templates, GTK_FILTER_CHANGE_DIFFERENT);
      return;
    }
  else
    {
      g_ptr_array_set_size (self->objects_filters, 0);
      if (self->view == XP_TREE_VIEW_OBJECTS)
        root = objects_root (self);
      else if (self->view == XP_TREE_VIEW_TAGS || self->view == XP_TREE_VIEW_FOLDERS)
        root = grouped_root (self);
      else
        root = g_object_ref (self->connections);
    }

  g_clear_object (&self->model);
  self->model = gtk_tree_list_model_new (root, FALSE,
                                         self->search == NULL && self->view == XP_TREE_VIEW_INFRASTRUCTURE,
                                         create_child_model, self, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
  if (self->search == NULL)
    search_list_set_query (self->search_list, NULL, self->show_templates, GTK_FILTER_CHANGE_DIFFERENT);
}

static void
xp_tree_model_dispose (GObject *object)
{
  XpTreeModel *self = XP_TREE_MODEL (object);

  g_clear_handle_id (&self->prepare_id, g_source_remove);
  g_clear_object (&self->model);
  g_clear_object (&self->saved_tree);
  g_clear_object (&self->search_model);
  g_clear_object (&self->search_list);
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
  search_list_reset (self->search_list);
}

XpTreeModel *
xp_tree_model_new (GListModel *connections)
{
  XpTreeModel *self = g_object_new (XP_TYPE_TREE_MODEL, NULL);

  self->connections = g_object_ref (connections);
  self->search_list = xp_search_list_new (connections);
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
  g_clear_object (&self->saved_tree);
  if (self->search == NULL)
    rebuild (self);
}

gboolean
xp_tree_model_get_searching (XpTreeModel *self)
{
  g_return_val_if_fail (XP_IS_TREE_MODEL (self), FALSE);
  return self->search != NULL;
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
  g_clear_object (&self->saved_tree);
  if (self->search != NULL)
    search_list_set_query (self->search_list, self->search, show, GTK_FILTER_CHANGE_DIFFERENT);
  else
    rebuild (self);
}

void
xp_tree_model_set_search (XpTreeModel *self,
                          const char  *text)
{
  g_autofree char *folded = NULL;
  GtkFilterChange change = GTK_FILTER_CHANGE_DIFFERENT;
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
  if (was_searching && folded != NULL)
    {
      /* Typing on matches a subset (names by substring, UUIDs and addresses
       * by prefix), erasing a superset: the filter model then only looks
       * at the rows that can change. */
      if (g_str_has_prefix (folded, self->search))
        change = GTK_FILTER_CHANGE_MORE_STRICT;
      else if (g_str_has_prefix (self->search, folded))
        change = GTK_FILTER_CHANGE_LESS_STRICT;
    }
  g_free (self->search);
  self->search = g_steal_pointer (&folded);

  if (was_searching && self->search != NULL)
    search_list_set_query (self->search_list, self->search, self->show_templates, change);
  else
    rebuild (self);
}
