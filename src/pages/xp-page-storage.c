/* xp-page-storage.c: the Storage page (VM disks and CD drive, SR contents,
 * the SRs of a host or pool)
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

static void
add_invoke (GtkWidget  *row,
            const char *icon,
            const char *label,
            const char *name,
            XapiObject *target)
{
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             xp_action_button (icon, label, "obj.invoke",
                                               xp_invoke_target (name, xapi_object_get_ref (target))));
}

static GtkWidget *
menu_button (const char *icon,
             const char *label,
             GMenu      *menu)
{
  GtkWidget *button = gtk_menu_button_new ();

  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), icon);
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (button), G_MENU_MODEL (menu));
  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  return button;
}

/* ISOs and unattached disks of the VM's pool, as menus */
static void
fill_vdi_menus (XpPageCtx  *ctx,
                XapiObject *vm,
                GMenu      *isos,
                GMenu      *disks)
{
  XapiCache *cache = xp_object_cache (vm);
  GListModel *vdis = cache != NULL ? xapi_cache_get_objects_by_name (cache, "VDI") : NULL;

  xp_page_ctx_watch_model (ctx, vdis);
  for (guint i = 0; vdis != NULL && i < g_list_model_get_n_items (vdis) && i < 2000; i++)
    {
      g_autoptr(XapiObject) vdi = g_list_model_get_item (vdis, i);
      XapiObject *sr = xp_follow (vdi, "SR");
      g_autoptr(GMenuItem) item = NULL;

      if (sr == NULL || xp_field_bool (vdi, "is_a_snapshot"))
        continue;
      if (g_str_equal (xp_field_str (sr, "content_type"), "iso"))
        {
          item = g_menu_item_new (xp_object_name (vdi), NULL);
          g_menu_item_set_action_and_target_value (item, "obj.insert-iso",
                                                   g_variant_new_string (xapi_object_get_ref (vdi)));
          g_menu_append_item (isos, item);
        }
      else if (g_strv_length ((char **) xp_field_strv (vdi, "VBDs")) == 0
               && g_str_equal (xp_field_enum (vdi, "type"), "user"))
        {
          g_autofree char *label = g_strdup_printf ("%s (%s)", xp_object_name (vdi), xp_object_name (sr));
          item = g_menu_item_new (label, NULL);
          g_menu_item_set_action_and_target_value (item, "obj.attach-disk",
                                                   g_variant_new_string (xapi_object_get_ref (vdi)));
          g_menu_append_item (disks, item);
        }
    }
}

static void
vm_storage (XpPageCtx  *ctx,
            GtkBox     *page,
            XapiObject *vm)
{
  GtkWidget *group = xp_group_new (page, _("Virtual disks"), NULL);
  GtkWidget *cds = xp_group_new (page, _("DVD drives"), NULL);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  g_autoptr(GPtrArray) vbds = xp_follow_set (vm, "VBDs");
  g_autoptr(GMenu) isos = g_menu_new ();
  g_autoptr(GMenu) disks = g_menu_new ();
  gboolean is_vm = xp_object_kind (vm) == XP_KIND_VM;
  guint n_disks = 0;

  if (is_vm)
    fill_vdi_menus (ctx, vm, isos, disks);
  for (guint i = 0; i < vbds->len; i++)
    {
      XapiObject *vbd = g_ptr_array_index (vbds, i);
      XapiObject *vdi = xp_follow (vbd, "VDI");
      gboolean attached = xp_field_bool (vbd, "currently_attached");
      GtkWidget *row;

      xp_page_ctx_watch (ctx, vbd);
      xp_page_ctx_watch (ctx, vdi);
      if (g_str_equal (xp_field_enum (vbd, "type"), "CD"))
        {
          g_autofree char *title = g_strdup_printf (_("DVD drive %s"), xp_field_str (vbd, "userdevice"));
          row = row_new (cds, title, vdi != NULL && !xp_field_bool (vbd, "empty")
                                     ? xp_object_name (vdi) : _("Empty"));
          if (is_vm)
            {
              adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                         menu_button ("media-optical-symbolic", _("Insert ISO"), isos));
              adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                         xp_action_button ("media-eject-symbolic", _("Eject ISO"), "obj.eject", NULL));
            }
          continue;
        }
      if (vdi == NULL)
        continue;
      n_disks++;
      {
        XapiObject *sr = xp_follow (vdi, "SR");
        g_autofree char *size = xp_format_bytes (xp_field_int (vdi, "virtual_size"));
        g_autofree char *sub = g_strdup_printf (_("%s on “%s”, device %s, %s"), size,
                                                sr != NULL ? xp_object_name (sr) : "?",
                                                xp_field_str (vbd, "userdevice"),
                                                attached ? _("attached") : _("not attached"));
        row = row_new (group, xp_object_name (vdi), sub);
        if (is_vm)
          {
            add_invoke (row, "zoom-fit-best-symbolic", _("Resize Disk"), "resize-disk", vdi);
            add_invoke (row, "list-remove-symbolic", _("Detach Disk"), "detach-disk", vbd);
            add_invoke (row, "user-trash-symbolic", _("Delete Disk"), "delete-disk", vdi);
          }
      }
    }
  if (n_disks == 0)
    row_new (group, _("No virtual disks"), NULL);
  if (!is_vm)
    return;
  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  gtk_box_append (GTK_BOX (buttons), xp_action_button (NULL, _("Add Disk…"), "obj.add-disk", NULL));
  if (g_menu_model_get_n_items (G_MENU_MODEL (disks)) > 0)
    {
      GtkWidget *attach = gtk_menu_button_new ();
      gtk_menu_button_set_label (GTK_MENU_BUTTON (attach), _("Attach Disk"));
      /* GTK 4.8 does not name a menu button after its label */
      gtk_accessible_update_property (GTK_ACCESSIBLE (attach), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Attach Disk"), -1);
      gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (attach), G_MENU_MODEL (disks));
      gtk_box_append (GTK_BOX (buttons), attach);
    }
  gtk_box_append (page, buttons);
}

static void
sr_row (GtkWidget  *group,
        XapiObject *sr)
{
  gint64 size = xp_field_int (sr, "physical_size");
  gint64 used = xp_field_int (sr, "physical_utilisation");
  g_autofree char *s_size = xp_format_bytes (size);
  g_autofree char *s_used = xp_format_bytes (used);
  g_autofree char *caption = g_strdup_printf (_("%s, %s used of %s"), xp_field_str (sr, "type"), s_used, s_size);

  xp_usage_row (group, xp_object_name (sr), size > 0 ? (double) used / (double) size : 0.0, caption);
}

static void
sr_contents (XpPageCtx  *ctx,
             GtkBox     *page,
             XapiObject *sr)
{
  GtkWidget *usage = xp_group_new (page, _("Usage"), NULL);
  GtkWidget *group = xp_group_new (page, _("Contents"), NULL);
  g_autoptr(GPtrArray) vdis = xp_follow_set (sr, "VDIs");

  sr_row (usage, sr);
  for (guint i = 0; i < vdis->len; i++)
    {
      XapiObject *vdi = g_ptr_array_index (vdis, i);
      g_autoptr(GPtrArray) vbds = xp_follow_set (vdi, "VBDs");
      g_autoptr(GString) users = g_string_new (NULL);
      g_autofree char *size = xp_format_bytes (xp_field_int (vdi, "virtual_size"));
      g_autofree char *sub = NULL;

      xp_page_ctx_watch (ctx, vdi);
      for (guint j = 0; j < vbds->len; j++)
        {
          XapiObject *vm = xp_follow (g_ptr_array_index (vbds, j), "VM");
          if (vm != NULL)
            g_string_append_printf (users, "%s%s", users->len ? ", " : "", xp_object_name (vm));
        }
      sub = users->len > 0 ? g_strdup_printf (_("%s, used by %s"), size, users->str) : g_strdup (size);
      row_new (group, xp_object_name (vdi), sub);
    }
  if (vdis->len == 0)
    row_new (group, _("This storage is empty"), NULL);
}

static void
sr_list (XpPageCtx  *ctx,
         GtkBox     *page,
         XapiObject *obj)
{
  GtkWidget *group = xp_group_new (page, _("Storage repositories"), NULL);
  XapiCache *cache = xp_object_cache (obj);
  GListModel *srs = cache != NULL ? xapi_cache_get_objects_by_name (cache, "SR") : NULL;
  gboolean is_host = xp_object_kind (obj) == XP_KIND_HOST;

  xp_page_ctx_watch_model (ctx, srs);
  for (guint i = 0; srs != NULL && i < g_list_model_get_n_items (srs); i++)
    {
      g_autoptr(XapiObject) sr = g_list_model_get_item (srs, i);
      g_autoptr(GPtrArray) pbds = xp_follow_set (sr, "PBDs");
      gboolean on_host = FALSE;

      for (guint j = 0; j < pbds->len; j++)
        if (g_strcmp0 (xp_field_str (g_ptr_array_index (pbds, j), "host"), xapi_object_get_ref (obj)) == 0)
          on_host = TRUE;
      /* a pool shows shared SRs; a server those it is connected to */
      if (is_host ? !on_host : !xp_field_bool (sr, "shared"))
        continue;
      xp_page_ctx_watch (ctx, sr);
      sr_row (group, sr);
    }
}

void
xp_page_storage_build (XpPageCtx  *ctx,
                       GtkBox     *page,
                       XapiObject *obj)
{
  switch (xp_object_kind (obj))
    {
    case XP_KIND_SR:
      sr_contents (ctx, page, obj);
      break;
    case XP_KIND_HOST:
    case XP_KIND_POOL:
      sr_list (ctx, page, obj);
      break;
    default:
      vm_storage (ctx, page, obj);
      break;
    }
}
