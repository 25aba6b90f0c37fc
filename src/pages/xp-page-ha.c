/* xp-page-ha.c: the High Availability page of a pool
 *
 * Shows whether HA is on, the heartbeat storage (pool.ha_statefiles → VDI →
 * SR), the configured and the currently possible number of server failures
 * to tolerate, the failover plan and overcommitment, and the VMs with their
 * restart priority and start order.  Failures to tolerate, priorities and
 * orders are editable in place (pool.set_ha_host_failures_to_tolerate,
 * VM.set_ha_restart_priority, VM.set_order); while HA is off "Configure
 * HA…" opens the HA wizard ("wiz.ha"), while on "Disable HA" runs the "obj.disable-ha" action (a
 * confirmation, then pool.disable_ha as a task).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "xp-pages.h"

/* ---- the live maximum ---- */

static void
max_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(GtkWidget) row = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = xapi_connection_call_finish (XAPI_CONNECTION (source), result, &error);
  g_autofree char *text = NULL;

  if (gtk_widget_get_root (row) == NULL)
    return;   /* the page was rebuilt meanwhile */
  if (node == NULL)
    {
      g_autofree char *why = error != NULL ? xp_describe_error (error) : g_strdup ("");
      text = g_strdup_printf (_("Unknown (%s)"), why);
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    text = g_strdup (json_node_get_string (node));   /* int64 as a string */
  else
    text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), text);
}

static void
query_max (XapiObject *pool,
           GtkWidget  *row)
{
  XapiConnection *conn = xapi_object_get_connection (pool);

  if (conn == NULL)
    return;
  xapi_connection_call_async (conn, "pool.ha_compute_max_host_failures_to_tolerate",
                              json_array_new (), NULL, max_cb, g_object_ref (row));
}

/* ---- edits ---- */

static void
ntol_changed_cb (GtkSpinButton *spin,
                 XapiObject    *pool)
{
  gint64 value = gtk_spin_button_get_value_as_int (spin);

  if (value == xp_field_int (pool, "ha_host_failures_to_tolerate"))
    return;
  xp_page_set_field (GTK_WIDGET (spin), pool, "ha_host_failures_to_tolerate",
                     json_node_init_int (json_node_alloc (), value));
}

static void
priority_changed_cb (GtkDropDown *dropdown,
                     GParamSpec  *pspec,
                     XapiObject  *vm)
{
  guint index = gtk_drop_down_get_selected (dropdown);

  if (index >= XP_HA_N_PRIORITIES
      || g_str_equal (xp_ha_priority_wire (index), xp_field_str (vm, "ha_restart_priority")))
    return;
  xp_page_set_field (GTK_WIDGET (dropdown), vm, "ha_restart_priority",
                     json_node_init_string (json_node_alloc (), xp_ha_priority_wire (index)));
}

static void
order_changed_cb (GtkSpinButton *spin,
                  XapiObject    *vm)
{
  gint64 value = gtk_spin_button_get_value_as_int (spin);

  if (value == xp_field_int (vm, "order"))
    return;
  xp_page_set_field (GTK_WIDGET (spin), vm, "order", json_node_init_int (json_node_alloc (), value));
}

static GtkWidget *
spin_new (const char *name,
          const char *accessible,
          double      max,
          gint64      value)
{
  GtkWidget *spin = gtk_spin_button_new_with_range (0, max, 1);

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), (double) value);
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), TRUE);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  gtk_widget_set_name (spin, name);
  gtk_widget_set_tooltip_text (spin, accessible);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  return spin;
}

static GtkWidget *
text_button (const char *label,
             const char *name,
             const char *action)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);
  g_autoptr(GString) plain = g_string_new (label);

  /* the label without the mnemonic marker names the button */
  g_string_replace (plain, "_", "", 0);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, plain->str, -1);
  gtk_widget_set_name (button, name);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  return button;
}

/* ---- page ---- */

static char *
heartbeat_srs (XapiObject *pool,
               XpPageCtx  *ctx)
{
  g_autoptr(GPtrArray) vdis = xp_follow_set (pool, "ha_statefiles");
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < vdis->len; i++)
    {
      XapiObject *vdi = g_ptr_array_index (vdis, i);
      XapiObject *sr = xp_follow (vdi, "SR");

      xp_page_ctx_watch (ctx, vdi);
      xp_page_ctx_watch (ctx, sr);
      if (sr == NULL)
        continue;
      if (s->len > 0)
        g_string_append (s, ", ");
      g_string_append (s, xp_object_name (sr));
    }
  if (s->len == 0)
    g_string_append (s, _("None"));
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static gint
vm_compare (gconstpointer a,
            gconstpointer b)
{
  XapiObject *va = *(XapiObject **) a;
  XapiObject *vb = *(XapiObject **) b;
  gint64 oa = xp_field_int (va, "order"), ob = xp_field_int (vb, "order");

  if (oa != ob)
    return oa < ob ? -1 : 1;
  return g_utf8_collate (xp_object_name (va), xp_object_name (vb));
}

static void
vm_list (XpPageCtx  *ctx,
         GtkBox     *page,
         XapiObject *pool)
{
  GtkWidget *group = xp_group_new (page, _("Virtual machines"),
                                   _("What happens to each VM when its server fails, and in which order VMs start"));
  XapiCache *cache = xp_object_cache (pool);
  GListModel *vms = cache != NULL ? xapi_cache_get_objects_by_name (cache, "VM") : NULL;
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_object_unref);

  xp_page_ctx_watch_model (ctx, vms);
  for (guint i = 0; vms != NULL && i < g_list_model_get_n_items (vms); i++)
    {
      XapiObject *vm = g_list_model_get_item (vms, i);

      if (xp_object_kind (vm) == XP_KIND_VM)
        g_ptr_array_add (list, vm);
      else
        g_object_unref (vm);
    }
  g_ptr_array_sort (list, vm_compare);

  for (guint i = 0; i < list->len; i++)
    {
      XapiObject *vm = g_ptr_array_index (list, i);
      const char *name = xp_object_name (vm);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *dropdown = xp_ha_priority_dropdown_new (name,
                                                         xp_ha_priority_index (xp_field_str (vm, "ha_restart_priority")));
      g_autofree char *prio_name = g_strdup_printf ("ha-priority:%s", xapi_object_get_ref (vm));
      g_autofree char *order_name = g_strdup_printf ("ha-order:%s", xapi_object_get_ref (vm));
      GtkWidget *order;

      xp_page_ctx_watch (ctx, vm);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);

      gtk_widget_set_name (dropdown, prio_name);
      g_signal_connect_object (dropdown, "notify::selected", G_CALLBACK (priority_changed_cb), vm, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), dropdown);

      order = xp_ha_order_spin_new (name, xp_field_int (vm, "order"));
      gtk_widget_set_name (order, order_name);
      g_signal_connect_object (order, "value-changed", G_CALLBACK (order_changed_cb), vm, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), order);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
    }
  if (list->len == 0)
    xp_fact_row (group, _("No virtual machines"), "");
}

void
xp_page_ha_build (XpPageCtx  *ctx,
                  GtkBox     *page,
                  XapiObject *pool)
{
  gboolean enabled = xp_field_bool (pool, "ha_enabled");
  GtkWidget *group = xp_group_new (page, _("High availability"), NULL);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *row;

  xp_page_ctx_watch (ctx, pool);
  row = xp_fact_row (group, _("Status"), enabled ? _("On") : _("Off"));
  gtk_widget_set_name (row, "ha-status");

  if (enabled)
    {
      g_autofree char *srs = heartbeat_srs (pool, ctx);
      g_autofree char *plan = g_strdup_printf ("%" G_GINT64_FORMAT, xp_field_int (pool, "ha_plan_exists_for"));
      g_autofree char *a11y = NULL;
      GtkWidget *spin;

      row = xp_fact_row (group, _("Heartbeat storage"), srs);
      gtk_widget_set_name (row, "ha-heartbeat");

      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Server failures to tolerate"));
      a11y = g_strdup (_("Server failures to tolerate"));
      spin = spin_new ("ha-ntol", a11y, 64, xp_field_int (pool, "ha_host_failures_to_tolerate"));
      g_signal_connect_object (spin, "value-changed", G_CALLBACK (ntol_changed_cb), pool, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);

      row = xp_fact_row (group, _("Maximum failures the pool can tolerate now"), "…");
      gtk_widget_set_name (row, "ha-max");
      query_max (pool, row);

      row = xp_fact_row (group, _("Failover plan exists for"), plan);
      gtk_widget_set_name (row, "ha-plan");
      row = xp_fact_row (group, _("Overcommitted"), xp_field_bool (pool, "ha_overcommitted")
                                                    ? _("Yes: the pool cannot restart all protected VMs")
                                                    : _("No"));
      gtk_widget_set_name (row, "ha-overcommitted");
    }

  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  /* the wizard turns HA on; once on, the settings above are edited in place */
  if (!enabled)
    gtk_box_append (GTK_BOX (buttons), text_button (_("_Configure HA…"), "ha-configure", "wiz.ha"));
  else
    {
      GtkWidget *disable = text_button (_("_Disable HA"), "ha-disable", "obj.disable-ha");
      gtk_widget_add_css_class (disable, "destructive-action");
      gtk_box_append (GTK_BOX (buttons), disable);
    }
  gtk_box_append (page, buttons);

  vm_list (ctx, page, pool);
}
