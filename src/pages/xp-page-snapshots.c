/* xp-page-snapshots.c: the Snapshots page (tree with "you are here";
 * take, revert, delete, new VM from snapshot)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "xp-pages.h"

static GtkWidget *
tree_row (GtkWidget  *group,
          guint       depth,
          const char *title,
          const char *subtitle,
          const char *icon)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *image = gtk_image_new_from_icon_name (icon);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_margin_start (image, 24 * depth);
  gtk_accessible_update_property (GTK_ACCESSIBLE (image), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), image);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  return row;
}

static char *
snapshot_time (XapiObject *snap)
{
  const XapiFieldInfo *f = xapi_object_find_field (snap, "snapshot_time");
  GDateTime *dt = f != NULL && f->kind == XAPI_FIELD_DATETIME ? G_STRUCT_MEMBER (GDateTime *, snap, f->offset) : NULL;
  g_autoptr(GDateTime) local = dt != NULL ? g_date_time_to_local (dt) : NULL;

  return local != NULL ? g_date_time_format (local, _("Taken %x %X")) : NULL;
}

static void
add_level (GtkWidget  *group,
           XapiObject *vm,
           GHashTable *children,   /* parent ref ("" = root) -> GPtrArray of snapshots */
           const char *parent,
           guint       depth,
           const char *here)
{
  GPtrArray *kids = g_hash_table_lookup (children, parent);

  for (guint i = 0; kids != NULL && i < kids->len; i++)
    {
      XapiObject *snap = g_ptr_array_index (kids, i);
      const char *ref = xapi_object_get_ref (snap);
      g_autofree char *when = snapshot_time (snap);
      GtkWidget *row = tree_row (group, depth, xp_object_name (snap), when, "camera-photo-symbolic");

      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 xp_action_button ("edit-undo-symbolic", _("Revert to Snapshot"), "obj.invoke",
                                                   xp_invoke_target ("revert", ref)));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 xp_action_button ("list-add-symbolic", _("New VM from Snapshot"), "obj.invoke",
                                                   xp_invoke_target ("new-vm-from-snapshot", ref)));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 xp_action_button ("user-trash-symbolic", _("Delete Snapshot"), "obj.invoke",
                                                   xp_invoke_target ("delete", ref)));
      add_level (group, vm, children, ref, depth + 1, here);
    }
  if (g_strcmp0 (parent, here) == 0)
    tree_row (group, depth, _("You are here"), xp_object_name (vm), "go-next-symbolic");
}

static int
by_time (gconstpointer a,
         gconstpointer b)
{
  XapiObject *sa = *(XapiObject **) a, *sb = *(XapiObject **) b;
  g_autofree char *ta = snapshot_time (sa);
  g_autofree char *tb = snapshot_time (sb);

  return g_strcmp0 (ta, tb);
}

void
xp_page_snapshots_build (XpPageCtx  *ctx,
                         GtkBox     *page,
                         XapiObject *vm)
{
  GtkWidget *group = xp_group_new (page, _("Snapshots"), NULL);
  GtkWidget *take = xp_action_button (NULL, _("Take Snapshot"), "obj.snapshot", NULL);
  g_autoptr(GPtrArray) snaps = xp_follow_set (vm, "snapshots");
  g_autoptr(GHashTable) children = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                          (GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GHashTable) known = g_hash_table_new (g_str_hash, g_str_equal);
  const char *here = xp_field_str (vm, "parent");

  g_ptr_array_sort (snaps, by_time);
  for (guint i = 0; i < snaps->len; i++)
    g_hash_table_add (known, (gpointer) xapi_object_get_ref (g_ptr_array_index (snaps, i)));
  for (guint i = 0; i < snaps->len; i++)
    {
      XapiObject *snap = g_ptr_array_index (snaps, i);
      const char *parent = xp_field_str (snap, "parent");
      const char *key = g_hash_table_contains (known, parent) ? parent : "";
      GPtrArray *list = g_hash_table_lookup (children, key);

      xp_page_ctx_watch (ctx, snap);
      if (list == NULL)
        {
          list = g_ptr_array_new ();
          g_hash_table_insert (children, g_strdup (key), list);
        }
      g_ptr_array_add (list, snap);
    }
  /* "you are here" goes under the VM's parent snapshot, or at the root */
  if (!g_hash_table_contains (known, here))
    here = "";
  if (snaps->len == 0)
    tree_row (group, 0, _("No snapshots yet"), NULL, "dialog-information-symbolic");
  add_level (group, vm, children, "", 0, here);

  gtk_widget_set_halign (take, GTK_ALIGN_END);
  gtk_widget_add_css_class (take, "suggested-action");
  gtk_box_append (page, take);
}
