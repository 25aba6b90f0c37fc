/* xp-page-memory.c: the Memory page (static/dynamic ranges, editing)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "xp-pages.h"
#include "xp-details-view.h"

#define MIB (1024.0 * 1024.0)

typedef struct {
  GtkWidget *dyn_min;
  GtkWidget *dyn_max;
  GtkWidget *stat_max;
} MemEdit;

static GtkWidget *
spin_row (GtkWidget  *group,
          const char *title,
          gint64      bytes,
          gboolean    editable)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (16, 4 * 1024 * 1024, 256);
  g_autofree char *label = g_strdup_printf (_("%s in MiB"), title);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), bytes / MIB);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  gtk_widget_set_sensitive (spin, editable);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_label_new (_("MiB")));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  return spin;
}

static void
mem_call_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GWeakRef *ref = user_data;
  g_autoptr(GError) error = NULL;
  JsonNode *node = xapi_connection_call_finish (XAPI_CONNECTION (source), result, &error);
  g_autoptr(GtkWidget) view = g_weak_ref_get (ref);

  if (node != NULL)
    json_node_unref (node);
  if (error != NULL)
    {
      g_autofree char *sentence = xp_describe_error (error);
      g_autofree char *text = g_strdup_printf (_("Could not change the memory: %s"), sentence);
      GtkWidget *overlay = view != NULL ? gtk_widget_get_ancestor (view, ADW_TYPE_TOAST_OVERLAY) : NULL;
      if (overlay != NULL)
        adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (text));
      else
        g_message ("%s", text);
    }
  g_weak_ref_clear (ref);
  g_free (ref);
}

static void
apply_clicked_cb (GtkButton  *button,
                  XapiObject *vm)
{
  MemEdit *e = g_object_get_data (G_OBJECT (button), "xp-mem");
  gint64 dmin = (gint64) (gtk_spin_button_get_value (GTK_SPIN_BUTTON (e->dyn_min)) * MIB);
  gint64 dmax = (gint64) (gtk_spin_button_get_value (GTK_SPIN_BUTTON (e->dyn_max)) * MIB);
  gint64 smax = (gint64) (gtk_spin_button_get_value (GTK_SPIN_BUTTON (e->stat_max)) * MIB);
  JsonArray *params = json_array_new ();
  GWeakRef *ref = g_new0 (GWeakRef, 1);
  const char *method = xp_memory_call (vm, MIN (xp_field_int (vm, "memory_static_min"), dmin),
                                       MAX (smax, dmax), dmin, dmax, params);

  g_weak_ref_init (ref, gtk_widget_get_ancestor (GTK_WIDGET (button), XP_TYPE_DETAILS_VIEW));
  xapi_connection_call_async (xapi_object_get_connection (vm), method, params, NULL, mem_call_cb, ref);
}

static void
vm_memory (XpPageCtx  *ctx,
           GtkBox     *page,
           XapiObject *vm)
{
  GtkWidget *group = xp_group_new (page, _("Memory"), NULL);
  GtkWidget *edit;
  XapiObject *metrics = xp_follow (vm, "metrics");
  gboolean halted = g_str_equal (xp_field_enum (vm, "power_state"), "Halted");
  g_autofree char *smin = xp_format_bytes (xp_field_int (vm, "memory_static_min"));
  g_autofree char *smax = xp_format_bytes (xp_field_int (vm, "memory_static_max"));
  g_autofree char *range = g_strdup_printf (_("%s – %s"), smin, smax);
  MemEdit *e = g_new0 (MemEdit, 1);
  GtkWidget *button;

  xp_page_ctx_watch (ctx, metrics);
  xp_fact_row (group, _("Static range"), range);
  if (metrics != NULL && !halted)
    {
      g_autofree char *actual = xp_format_bytes (xp_field_int (metrics, "memory_actual"));
      xp_fact_row (group, _("Current allocation"), actual);
    }

  edit = xp_group_new (page, _("Dynamic memory control"),
                       halted ? _("The VM uses between the minimum and maximum.")
                              : _("The VM uses between the minimum and maximum. The static maximum can only be changed while the VM is shut down."));
  e->dyn_min = spin_row (edit, _("Dynamic minimum"), xp_field_int (vm, "memory_dynamic_min"), TRUE);
  e->dyn_max = spin_row (edit, _("Dynamic maximum"), xp_field_int (vm, "memory_dynamic_max"), TRUE);
  e->stat_max = spin_row (edit, _("Static maximum"), xp_field_int (vm, "memory_static_max"), halted);
  button = gtk_button_new_with_mnemonic (_("_Apply Memory Settings"));
  gtk_widget_set_halign (button, GTK_ALIGN_END);
  gtk_widget_add_css_class (button, "suggested-action");
  g_object_set_data_full (G_OBJECT (button), "xp-mem", e, g_free);
  g_signal_connect_object (button, "clicked", G_CALLBACK (apply_clicked_cb), vm, 0);
  gtk_box_append (page, button);
}

static void
host_memory (XpPageCtx  *ctx,
             GtkBox     *page,
             XapiObject *host)
{
  GtkWidget *group = xp_group_new (page, _("Server memory"), NULL);
  GtkWidget *vms = xp_group_new (page, _("Virtual machines"), NULL);
  XapiObject *metrics = xp_follow (host, "metrics");
  g_autoptr(GPtrArray) resident = xp_follow_set (host, "resident_VMs");
  gint64 total = metrics != NULL ? xp_field_int (metrics, "memory_total") : 0;
  gint64 free_ = metrics != NULL ? xp_field_int (metrics, "memory_free") : 0;
  g_autofree char *s_total = xp_format_bytes (total);
  g_autofree char *s_used = xp_format_bytes (total - free_);
  g_autofree char *caption = g_strdup_printf (_("%s used of %s"), s_used, s_total);

  xp_page_ctx_watch (ctx, metrics);
  xp_usage_row (group, _("Memory usage"), total > 0 ? (double) (total - free_) / (double) total : 0, caption);
  for (guint i = 0; i < resident->len; i++)
    {
      XapiObject *vm = g_ptr_array_index (resident, i);
      XapiObject *vm_metrics = xp_follow (vm, "metrics");
      g_autofree char *mem = xp_format_bytes (vm_metrics != NULL ? xp_field_int (vm_metrics, "memory_actual")
                                                                : xp_field_int (vm, "memory_dynamic_max"));
      xp_page_ctx_watch (ctx, vm);
      xp_fact_row (vms, xp_object_name (vm), mem);
    }
}

void
xp_page_memory_build (XpPageCtx  *ctx,
                      GtkBox     *page,
                      XapiObject *obj)
{
  if (xp_object_kind (obj) == XP_KIND_HOST)
    host_memory (ctx, page, obj);
  else
    vm_memory (ctx, page, obj);
}
