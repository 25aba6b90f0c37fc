/* xp-page-network.c: the Networking page (VM VIFs with guest IPs; the
 * networks of a host or pool) and the NICs page (PIFs of a host; a bond is
 * made of the NICs ticked there, "obj.bond-create", and deleted with
 * "obj.bond-destroy")
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "xp-pages.h"

static GtkWidget *
row_new (GtkWidget  *group,
         const char *title,
         const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  return row;
}

/* Guest IPs of VIF @device from guest_metrics.networks ("0/ip", "0/ipv4/0", "0/ipv6/0"). */
static char *
vif_ips (XapiObject *gm,
         const char *device)
{
  GHashTable *nets = gm != NULL ? xp_field_map (gm, "networks") : NULL;
  g_autofree char *prefix = g_strconcat (device, "/", NULL);
  g_autoptr(GPtrArray) ips = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key, value;

  if (nets == NULL)
    return g_strdup ("");
  g_hash_table_iter_init (&iter, nets);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_str_has_prefix (key, prefix) && !g_ptr_array_find_with_equal_func (ips, value, g_str_equal, NULL))
      g_ptr_array_add (ips, value);
  g_ptr_array_sort (ips, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (ips, NULL);
  return g_strjoinv (", ", (char **) ips->pdata);
}

static void
vm_network (XpPageCtx  *ctx,
            GtkBox     *page,
            XapiObject *vm)
{
  GtkWidget *group = xp_group_new (page, _("Virtual network interfaces"), NULL);
  g_autoptr(GPtrArray) vifs = xp_follow_set (vm, "VIFs");
  XapiObject *gm = xp_follow (vm, "guest_metrics");
  XapiCache *cache = xp_object_cache (vm);
  GListModel *networks = cache != NULL ? xapi_cache_get_objects_by_name (cache, "network") : NULL;
  g_autoptr(GMenu) menu = g_menu_new ();
  GtkWidget *add;

  xp_page_ctx_watch (ctx, gm);
  for (guint i = 0; i < vifs->len; i++)
    {
      XapiObject *vif = g_ptr_array_index (vifs, i);
      XapiObject *net = xp_follow (vif, "network");
      const char *device = xp_field_str (vif, "device");
      g_autofree char *ips = vif_ips (gm, device);
      g_autofree char *title = g_strdup_printf (_("Interface %s on “%s”"), device,
                                                net != NULL ? xp_object_name (net) : "?");
      g_autofree char *sub = g_strdup_printf (_("MAC %s, %s%s%s"), xp_field_str (vif, "MAC"),
                                              xp_field_bool (vif, "currently_attached") ? _("attached") : _("not attached"),
                                              *ips ? _(", IP ") : "", ips);
      GtkWidget *row;

      xp_page_ctx_watch (ctx, vif);
      row = row_new (group, title, sub);
      if (xp_object_kind (vm) == XP_KIND_VM)
        adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                   xp_action_button ("list-remove-symbolic", _("Remove Network Interface"),
                                                     "obj.invoke", xp_invoke_target ("remove-vif", xapi_object_get_ref (vif))));
    }
  if (vifs->len == 0)
    row_new (group, _("No network interfaces"), NULL);
  if (xp_object_kind (vm) != XP_KIND_VM)
    return;

  for (guint i = 0; networks != NULL && i < g_list_model_get_n_items (networks); i++)
    {
      g_autoptr(XapiObject) net = g_list_model_get_item (networks, i);
      g_autoptr(GMenuItem) item = g_menu_item_new (xp_object_name (net), NULL);
      GHashTable *oc = xp_field_map (net, "other_config");
      if (oc != NULL && g_strcmp0 (g_hash_table_lookup (oc, "is_host_internal_management_network"), "true") == 0)
        continue;
      g_menu_item_set_action_and_target_value (item, "obj.add-vif", g_variant_new_string (xapi_object_get_ref (net)));
      g_menu_append_item (menu, item);
    }
  add = gtk_menu_button_new ();
  gtk_menu_button_set_label (GTK_MENU_BUTTON (add), _("Add Interface"));
  /* GTK 4.8 does not name a menu button after its label */
  gtk_accessible_update_property (GTK_ACCESSIBLE (add), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Add Interface"), -1);
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (add), G_MENU_MODEL (menu));
  gtk_widget_set_halign (add, GTK_ALIGN_END);
  gtk_box_append (page, add);
}

static void
net_list (XpPageCtx  *ctx,
          GtkBox     *page,
          XapiObject *obj)
{
  GtkWidget *group = xp_group_new (page, _("Networks"), NULL);
  XapiCache *cache = xp_object_cache (obj);
  GListModel *networks = cache != NULL ? xapi_cache_get_objects_by_name (cache, "network") : NULL;
  gboolean is_host = xp_object_kind (obj) == XP_KIND_HOST;

  xp_page_ctx_watch_model (ctx, networks);
  for (guint i = 0; networks != NULL && i < g_list_model_get_n_items (networks); i++)
    {
      g_autoptr(XapiObject) net = g_list_model_get_item (networks, i);
      g_autoptr(GPtrArray) pifs = xp_follow_set (net, "PIFs");
      g_autoptr(GString) nics = g_string_new (NULL);
      g_autofree char *sub = NULL;
      g_autofree char *vlan_text = NULL;
      gint64 vlan = -1;

      for (guint j = 0; j < pifs->len; j++)
        {
          XapiObject *pif = g_ptr_array_index (pifs, j);
          if (is_host && g_strcmp0 (xp_field_str (pif, "host"), xapi_object_get_ref (obj)) != 0)
            continue;
          if (nics->len == 0)
            g_string_append (nics, xp_field_str (pif, "device"));
          vlan = xp_field_int (pif, "VLAN");
        }
      vlan_text = vlan >= 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, vlan) : g_strdup (_("none"));
      sub = g_strdup_printf (_("NIC %s, VLAN %s, MTU %lld, bridge %s"),
                             nics->len ? nics->str : _("none"), vlan_text,
                             (long long) xp_field_int (net, "MTU"), xp_field_str (net, "bridge"));
      xp_page_ctx_watch (ctx, net);
      row_new (group, xp_object_name (net), sub);
    }
}

void
xp_page_network_build (XpPageCtx  *ctx,
                       GtkBox     *page,
                       XapiObject *obj)
{
  switch (xp_object_kind (obj))
    {
    case XP_KIND_HOST:
    case XP_KIND_POOL:
      net_list (ctx, page, obj);
      break;
    default:
      vm_network (ctx, page, obj);
      break;
    }
}

static const char *bond_modes[] = { "balance-slb", "active-backup", "lacp", NULL };

static GPtrArray *
ticked_members (GtkWidget *button)
{
  GPtrArray *checks = g_object_get_data (G_OBJECT (button), "xp-checks");
  GPtrArray *refs = g_ptr_array_new ();

  for (guint i = 0; checks != NULL && i < checks->len; i++)
    if (gtk_check_button_get_active (g_ptr_array_index (checks, i)))
      g_ptr_array_add (refs, g_object_get_data (G_OBJECT (g_ptr_array_index (checks, i)), "xp-pif"));
  return refs;
}

static void
member_toggled_cb (GtkCheckButton *check,
                   GtkWidget      *button)
{
  g_autoptr(GPtrArray) refs = ticked_members (button);

  gtk_widget_set_sensitive (button, refs->len >= 2);
}

static void
create_bond_cb (GtkButton *button,
                gpointer   user_data)
{
  GtkDropDown *mode = g_object_get_data (G_OBJECT (button), "xp-mode");
  GtkSpinButton *mtu = g_object_get_data (G_OBJECT (button), "xp-mtu");
  g_autoptr(GPtrArray) refs = ticked_members (GTK_WIDGET (button));
  g_autofree char *list = NULL;
  g_autofree char *param = NULL;

  if (refs->len < 2)
    return;
  g_ptr_array_add (refs, NULL);
  list = g_strjoinv (",", (char **) refs->pdata);
  param = g_strdup_printf ("%s\t%d\t%s", bond_modes[gtk_drop_down_get_selected (mode)],
                           gtk_spin_button_get_value_as_int (mtu), list);
  gtk_widget_activate_action (GTK_WIDGET (button), "obj.bond-create", "s", param);
}

static GtkWidget *
labelled_suffix (GtkWidget  *box,
                 const char *text,
                 GtkWidget  *widget)
{
  GtkWidget *label = gtk_label_new_with_mnemonic (text);

  gtk_label_set_mnemonic_widget (GTK_LABEL (label), widget);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), widget);
  return widget;
}

static void
bond_controls (GtkBox    *page,
               GPtrArray *checks)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *mode = gtk_drop_down_new_from_strings (bond_modes);
  GtkWidget *mtu = gtk_spin_button_new_with_range (1280, 9216, 1);
  GtkWidget *button = gtk_button_new_with_mnemonic (_("Create _Bond"));

  gtk_widget_set_halign (box, GTK_ALIGN_END);
  gtk_widget_set_name (mode, "bond-mode");
  gtk_widget_set_tooltip_text (mode, _("Bond mode"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (mode), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Bond mode"), -1);
  labelled_suffix (box, _("_Mode"), mode);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (mtu), 1500);
  gtk_widget_set_name (mtu, "bond-mtu");
  gtk_widget_set_tooltip_text (mtu, _("MTU of the bond"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (mtu), GTK_ACCESSIBLE_PROPERTY_LABEL, _("MTU of the bond"), -1);
  labelled_suffix (box, _("MT_U"), mtu);
  gtk_widget_set_name (button, "bond-create");
  gtk_widget_set_tooltip_text (button, _("Create a bond of the ticked NICs"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Create Bond"), -1);
  gtk_widget_set_sensitive (button, FALSE);
  g_object_set_data_full (G_OBJECT (button), "xp-checks", g_ptr_array_ref (checks), (GDestroyNotify) g_ptr_array_unref);
  g_object_set_data (G_OBJECT (button), "xp-mode", mode);
  g_object_set_data (G_OBJECT (button), "xp-mtu", mtu);
  g_signal_connect (button, "clicked", G_CALLBACK (create_bond_cb), NULL);
  for (guint i = 0; i < checks->len; i++)
    g_signal_connect_object (g_ptr_array_index (checks, i), "toggled", G_CALLBACK (member_toggled_cb), button, 0);
  gtk_box_append (GTK_BOX (box), button);
  gtk_box_append (page, box);
}

void
xp_page_nics_build (XpPageCtx  *ctx,
                    GtkBox     *page,
                    XapiObject *host)
{
  GtkWidget *group = xp_group_new (page, _("Physical network interfaces"),
                                   _("Tick two or more free NICs to bond them"));
  g_autoptr(GPtrArray) pifs = xp_follow_set (host, "PIFs");
  g_autoptr(GPtrArray) checks = g_ptr_array_new ();

  for (guint i = 0; i < pifs->len; i++)
    {
      XapiObject *pif = g_ptr_array_index (pifs, i);
      XapiObject *metrics = xp_follow (pif, "metrics");
      gboolean physical = xp_field_bool (pif, "physical");
      gboolean bond_master = g_strv_length ((char **) xp_field_strv (pif, "bond_master_of")) > 0;
      XapiObject *slave_of = xp_follow (pif, "bond_slave_of");
      g_autofree char *speed = NULL;
      g_autofree char *title = NULL;
      g_autofree char *sub = NULL;
      const char *link;
      GtkWidget *row;

      if (!physical && !bond_master)
        continue;
      xp_page_ctx_watch (ctx, pif);
      xp_page_ctx_watch (ctx, metrics);
      link = metrics == NULL ? _("unknown link") : xp_field_bool (metrics, "carrier") ? _("connected") : _("disconnected");
      if (metrics != NULL && xp_field_int (metrics, "speed") > 0)
        speed = g_strdup_printf (_("%lld Mbit/s"), (long long) xp_field_int (metrics, "speed"));
      title = bond_master ? g_strdup_printf (_("Bond %s"), xp_field_str (pif, "device"))
                          : g_strdup_printf (_("NIC %s"), xp_field_str (pif, "device"));
      sub = g_strdup_printf ("%s, %s%s%s, MAC %s%s%s", link,
                             speed != NULL ? speed : _("speed unknown"),
                             xp_field_bool (pif, "management") ? _(", management") : "",
                             "", xp_field_str (pif, "MAC"),
                             slave_of != NULL ? _(", member of a bond") : "", "");
      row = row_new (group, title, sub);
      if (bond_master)
        {
          const char *bond = xp_field_strv (pif, "bond_master_of")[0];
          /* Translators: accessible name of the delete button, "Delete Bond bond0" */
          g_autofree char *label = g_strdup_printf (_("Delete Bond %s"), xp_field_str (pif, "device"));
          g_autofree char *name = g_strdup_printf ("bond-delete:%s", xp_field_str (pif, "device"));
          GtkWidget *del = xp_action_button ("user-trash-symbolic", label, "obj.bond-destroy", g_variant_new_string (bond));

          gtk_widget_set_name (del, name);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), del);
        }
      else if (slave_of == NULL && xp_field_int (pif, "VLAN") < 0)
        {
          GtkWidget *check = gtk_check_button_new ();
          /* Translators: accessible name of a NIC's tick box, "Bond eth0" */
          g_autofree char *label = g_strdup_printf (_("Include %s in a new bond"), xp_field_str (pif, "device"));
          g_autofree char *name = g_strdup_printf ("bond-member:%s", xp_field_str (pif, "device"));

          gtk_widget_set_name (check, name);
          gtk_widget_set_tooltip_text (check, label);
          gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
          g_object_set_data_full (G_OBJECT (check), "xp-pif", g_strdup (xapi_object_get_ref (pif)), g_free);
          adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
          adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
          g_ptr_array_add (checks, check);
        }
    }
  if (pifs->len == 0)
    row_new (group, _("No network interfaces"), NULL);
  else
    bond_controls (page, checks);
}
