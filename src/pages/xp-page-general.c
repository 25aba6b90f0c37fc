/* xp-page-general.c: the General page (facts; name, description, tags) and
 * the summary of a multi-selection
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "xp-pages.h"
#include "xp-details-view.h"
#include "dialogs/xp-properties-dialog.h"

/* ---- writes ---- */

typedef struct {
  GWeakRef  view;
  char     *what;
} SetData;

static void
set_field_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  SetData *data = user_data;
  g_autoptr(GError) error = NULL;
  JsonNode *node = xapi_connection_call_finish (XAPI_CONNECTION (source), result, &error);
  g_autoptr(GtkWidget) view = g_weak_ref_get (&data->view);

  if (node != NULL)
    json_node_unref (node);
  if (error != NULL)
    {
      g_autofree char *sentence = xp_describe_error (error);
      g_autofree char *text = g_strdup_printf (_("Could not change %s: %s"), data->what, sentence);
      GtkWidget *overlay = view != NULL ? gtk_widget_get_ancestor (view, ADW_TYPE_TOAST_OVERLAY) : NULL;

      if (overlay != NULL)
        adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (text));
      else
        g_message ("%s", text);
    }
  g_weak_ref_clear (&data->view);
  g_free (data->what);
  g_free (data);
}

void
xp_page_set_field (GtkWidget  *source,
                   XapiObject *obj,
                   const char *field,
                   JsonNode   *value)
{
  SetData *data = g_new0 (SetData, 1);
  g_autofree char *method = g_strdup_printf ("%s.set_%s", xapi_object_get_class_name (obj), field);
  JsonArray *params = json_array_new ();

  g_weak_ref_init (&data->view, gtk_widget_get_ancestor (source, XP_TYPE_DETAILS_VIEW));
  data->what = g_strdup (field);
  json_array_add_string_element (params, xapi_object_get_ref (obj));
  json_array_add_element (params, value);
  xapi_connection_call_async (xapi_object_get_connection (obj), method, params, NULL, set_field_cb, data);
}

static void
entry_apply_cb (AdwEntryRow *row,
                XapiObject  *obj)
{
  const char *field = g_object_get_data (G_OBJECT (row), "xp-field");
  const char *text = gtk_editable_get_text (GTK_EDITABLE (row));
  JsonNode *value;

  if (g_str_equal (field, "tags"))
    value = xp_tags_parse (text);
  else
    value = json_node_init_string (json_node_alloc (), text);
  xp_page_set_field (GTK_WIDGET (row), obj, field, value);
}

static GtkWidget *
edit_row (GtkWidget  *group,
          XapiObject *obj,
          const char *title,
          const char *field,
          const char *text)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (row), TRUE);
  g_object_set_data_full (G_OBJECT (row), "xp-field", g_strdup (field), g_free);
  gtk_widget_set_name (row, field);
  g_signal_connect_object (row, "apply", G_CALLBACK (entry_apply_cb), obj, 0);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  return row;
}

/* ---- facts ---- */

static char *
map_get (GHashTable *map,
         const char *key)
{
  const char *v = map != NULL ? g_hash_table_lookup (map, key) : NULL;

  return g_strdup (v != NULL ? v : "");
}

static char *
guest_ips (XapiObject *gm)
{
  GHashTable *nets = xp_field_map (gm, "networks");
  g_autoptr(GPtrArray) ips = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key, value;

  if (nets == NULL)
    return g_strdup ("");
  g_hash_table_iter_init (&iter, nets);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_ptr_array_add (ips, value);
  g_ptr_array_sort (ips, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (ips, NULL);
  return g_strjoinv (", ", (char **) ips->pdata);
}

static void
vm_facts (XpPageCtx  *ctx,
          GtkWidget  *group,
          XapiObject *vm)
{
  XapiObject *gm = xp_follow (vm, "guest_metrics");
  XapiObject *metrics = xp_follow (vm, "metrics");
  XapiObject *host = xp_follow (vm, "resident_on");
  XapiObject *affinity = xp_follow (vm, "affinity");
  g_autofree char *os = map_get (gm != NULL ? xp_field_map (gm, "os_version") : NULL, "name");
  g_autofree char *vcpus = g_strdup_printf ("%" G_GINT64_FORMAT, xp_field_int (vm, "VCPUs_at_startup"));
  g_autofree char *mem = xp_format_bytes (xp_field_int (vm, "memory_dynamic_max"));
  g_autofree char *ips = gm != NULL ? guest_ips (gm) : g_strdup ("");
  g_autofree char *started = NULL;
  const char *drivers;

  xp_page_ctx_watch (ctx, gm);
  xp_page_ctx_watch (ctx, metrics);
  xp_page_ctx_watch (ctx, host);
  if (metrics != NULL && g_str_equal (xp_field_enum (vm, "power_state"), "Running"))
    {
      const XapiFieldInfo *f = xapi_object_find_field (metrics, "start_time");
      GDateTime *dt = f != NULL && f->kind == XAPI_FIELD_DATETIME
                      ? G_STRUCT_MEMBER (GDateTime *, metrics, f->offset) : NULL;
      if (dt != NULL)
        {
          g_autoptr(GDateTime) local = g_date_time_to_local (dt);
          started = g_date_time_format (local, "%x %X");
        }
    }
  if (gm == NULL)
    drivers = _("Not installed");
  else
    drivers = xp_field_bool (gm, "PV_drivers_detected") ? _("Installed") : _("Not detected");

  xp_fact_row (group, _("Operating system"), os);
  xp_fact_row (group, _("Virtual CPUs"), vcpus);
  xp_fact_row (group, _("Memory"), mem);
  xp_fact_row (group, _("Virtualization mode"), xp_field_enum (vm, "domain_type"));
  xp_fact_row (group, _("Home server"), host != NULL ? xp_object_name (host)
                                        : affinity != NULL ? xp_object_name (affinity) : _("None"));
  xp_fact_row (group, _("Guest tools"), drivers);
  xp_fact_row (group, _("IP addresses"), ips);
  xp_fact_row (group, _("Started"), started);
}

static void
host_facts (XpPageCtx  *ctx,
            GtkWidget  *group,
            XapiObject *host)
{
  XapiObject *metrics = xp_follow (host, "metrics");
  GHashTable *sw = xp_field_map (host, "software_version");
  g_autofree char *product = map_get (sw, "product_brand");
  g_autofree char *version = map_get (sw, "product_version");
  g_autofree char *prodver = g_strdup_printf ("%s %s", product, version);
  g_autofree char *cpus = g_strdup_printf ("%u", g_strv_length ((char **) xp_field_strv (host, "host_CPUs")));
  g_autofree char *mem = NULL;
  XapiCache *cache = xp_object_cache (host);
  XapiObject *master = cache != NULL ? xapi_cache_get_master (cache) : NULL;

  xp_page_ctx_watch (ctx, metrics);
  if (metrics != NULL)
    {
      g_autofree char *total = xp_format_bytes (xp_field_int (metrics, "memory_total"));
      g_autofree char *free_ = xp_format_bytes (xp_field_int (metrics, "memory_free"));
      mem = g_strdup_printf (_("%s (%s free)"), total, free_);
    }
  xp_fact_row (group, _("Address"), xp_field_str (host, "address"));
  xp_fact_row (group, _("Host name"), xp_field_str (host, "hostname"));
  xp_fact_row (group, _("Software"), g_strstrip (prodver));
  xp_fact_row (group, _("CPUs"), cpus);
  xp_fact_row (group, _("Memory"), mem);
  xp_fact_row (group, _("Pool master"), master == host ? _("Yes") : _("No"));
  xp_fact_row (group, _("Enabled"), xp_field_bool (host, "enabled") ? _("Yes") : _("No (maintenance mode)"));
  xp_fact_row (group, _("Live"), metrics == NULL ? NULL : xp_field_bool (metrics, "live") ? _("Yes") : _("No"));
}

static void
sr_facts (XpPageCtx  *ctx,
          GtkWidget  *group,
          XapiObject *sr)
{
  gint64 size = xp_field_int (sr, "physical_size");
  gint64 used = xp_field_int (sr, "physical_utilisation");
  g_autofree char *s_size = xp_format_bytes (size);
  g_autofree char *s_used = xp_format_bytes (used);
  g_autofree char *caption = g_strdup_printf (_("%s used of %s"), s_used, s_size);
  XapiCache *cache = xp_object_cache (sr);
  XapiObject *pool = cache != NULL ? xapi_cache_get_pool (cache) : NULL;

  xp_page_ctx_watch (ctx, pool);
  xp_fact_row (group, _("Type"), xp_field_str (sr, "type"));
  xp_fact_row (group, _("Content"), xp_field_str (sr, "content_type"));
  xp_fact_row (group, _("Shared"), xp_field_bool (sr, "shared") ? _("Yes") : _("No"));
  xp_fact_row (group, _("Default storage"),
               pool != NULL && g_str_equal (xp_field_str (pool, "default_SR"), xapi_object_get_ref (sr))
               ? _("Yes") : _("No"));
  xp_usage_row (group, _("Usage"), size > 0 ? (double) used / (double) size : 0.0, caption);
}

static void
pool_facts (XpPageCtx  *ctx,
            GtkWidget  *group,
            XapiObject *pool)
{
  XapiObject *master = xp_follow (pool, "master");
  XapiObject *sr = xp_follow (pool, "default_SR");
  XapiCache *cache = xp_object_cache (pool);
  GListModel *hosts = cache != NULL ? xapi_cache_get_objects_by_name (cache, "host") : NULL;
  g_autofree char *n_hosts = g_strdup_printf ("%u", hosts != NULL ? g_list_model_get_n_items (hosts) : 0);

  xp_page_ctx_watch (ctx, master);
  xp_page_ctx_watch (ctx, sr);
  xp_page_ctx_watch_model (ctx, hosts);
  xp_fact_row (group, _("Master"), master != NULL ? xp_object_name (master) : NULL);
  xp_fact_row (group, _("Servers"), n_hosts);
  xp_fact_row (group, _("Default storage"), sr != NULL ? xp_object_name (sr) : _("None"));
  xp_fact_row (group, _("High availability"), xp_field_bool (pool, "ha_enabled") ? _("Enabled") : _("Disabled"));
}

static void
snapshot_facts (XpPageCtx  *ctx,
                GtkWidget  *group,
                XapiObject *snap)
{
  XapiObject *parent = xp_follow (snap, "snapshot_of");
  const XapiFieldInfo *f = xapi_object_find_field (snap, "snapshot_time");
  GDateTime *dt = f != NULL && f->kind == XAPI_FIELD_DATETIME ? G_STRUCT_MEMBER (GDateTime *, snap, f->offset) : NULL;
  g_autofree char *when = NULL;

  if (dt != NULL)
    {
      g_autoptr(GDateTime) local = g_date_time_to_local (dt);
      when = g_date_time_format (local, "%x %X");
    }
  xp_fact_row (group, _("Snapshot of"), parent != NULL ? xp_object_name (parent) : NULL);
  xp_fact_row (group, _("Taken"), when);
}

void
xp_page_general_build (XpPageCtx  *ctx,
                       GtkBox     *page,
                       XapiObject *obj)
{
  GtkWidget *edit = xp_group_new (page, _("Properties"), NULL);
  GtkWidget *facts = xp_group_new (page, _("Details"), NULL);
  XpKind kind = xp_object_kind (obj);
  g_autofree char *tags = xp_tags_format (obj);

  if (xp_properties_dialog_supports (obj))
    adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (edit),
                                             xp_action_button ("document-properties-symbolic", _("All Properties…"),
                                                               "obj.properties", NULL));
  if (xp_field_has (obj, "name_label"))
    edit_row (edit, obj, _("Name"), "name_label", xp_field_str (obj, "name_label"));
  if (xp_field_has (obj, "name_description"))
    edit_row (edit, obj, _("Description"), "name_description", xp_field_str (obj, "name_description"));
  if (xp_field_has (obj, "tags"))
    edit_row (edit, obj, _("Tags (separated by commas)"), "tags", tags);

  xp_fact_row (facts, _("Type"), xp_kind_name (kind));
  switch (kind)
    {
    case XP_KIND_VM:
    case XP_KIND_TEMPLATE:
      if (kind == XP_KIND_VM)
        xp_fact_row (facts, _("Power state"), xp_field_enum (obj, "power_state"));
      vm_facts (ctx, facts, obj);
      break;
    case XP_KIND_SNAPSHOT:
      snapshot_facts (ctx, facts, obj);
      break;
    case XP_KIND_HOST:
      host_facts (ctx, facts, obj);
      break;
    case XP_KIND_SR:
      sr_facts (ctx, facts, obj);
      break;
    case XP_KIND_POOL:
      pool_facts (ctx, facts, obj);
      break;
    case XP_KIND_NETWORK:
      {
        g_autofree char *mtu = g_strdup_printf ("%" G_GINT64_FORMAT, xp_field_int (obj, "MTU"));
        xp_fact_row (facts, _("Bridge"), xp_field_str (obj, "bridge"));
        xp_fact_row (facts, _("MTU"), mtu);
      }
      break;
    default:
      break;
    }
  xp_fact_row (facts, _("UUID"), xapi_object_get_uuid (obj));
}

/* ---- multi-selection ---- */

void
xp_page_summary_build (XpPageCtx *ctx,
                       GtkBox    *page,
                       GPtrArray *objects)
{
  GtkWidget *counts = xp_group_new (page, _("Selection"), NULL);
  GtkWidget *list = xp_group_new (page, _("Objects"), NULL);
  g_autoptr(GHashTable) by_kind = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GList) keys = NULL;
  guint running = 0, halted = 0;

  for (guint i = 0; i < objects->len; i++)
    {
      XapiObject *obj = g_ptr_array_index (objects, i);
      const char *kind = xp_kind_name (xp_object_kind (obj));
      const char *state = xp_field_enum (obj, "power_state");

      g_hash_table_insert (by_kind, (gpointer) kind,
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (by_kind, kind)) + 1));
      if (xp_object_kind (obj) == XP_KIND_VM)
        {
          running += g_str_equal (state, "Running");
          halted += g_str_equal (state, "Halted");
        }
      if (i < 200)
        xp_fact_row (list, xp_object_name (obj),
                     xp_object_kind (obj) == XP_KIND_VM ? state : kind);
    }
  keys = g_hash_table_get_keys (by_kind);
  keys = g_list_sort (keys, (GCompareFunc) g_strcmp0);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      g_autofree char *n = g_strdup_printf ("%u", GPOINTER_TO_UINT (g_hash_table_lookup (by_kind, l->data)));
      xp_fact_row (counts, l->data, n);
    }
  if (running + halted > 0)
    {
      g_autofree char *text = g_strdup_printf (_("%u running, %u halted"), running, halted);
      xp_fact_row (counts, _("Power states"), text);
    }
}
