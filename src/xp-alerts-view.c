/* xp-alerts-view.c: XAPI alerts (message objects) of every connection
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Dismissing an alert is message.destroy on its server; the row leaves the
 * list when the cache sees the "del" event.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <xapi-classes.h>
#include <xapi-cache.h>
#include <xapi-error.h>

#include "xp-alerts-view.h"
#include "xp-tree-model.h"

struct _XpAlertsView
{
  GtkWidget   parent_instance;

  GtkWidget  *box;
  GtkWidget  *stack;
  GtkWidget  *dismiss_all;
  GListModel *model;
};

G_DEFINE_FINAL_TYPE (XpAlertsView, xp_alerts_view, GTK_TYPE_WIDGET)

enum { TOAST, N_SIGNALS };
static guint signals[N_SIGNALS];

static gpointer
map_to_messages (gpointer item,
                 gpointer user_data)
{
  XapiConnection *conn = item;
  GListModel *store = xapi_cache_get_objects (xapi_connection_get_cache (conn), XAPI_TYPE_MESSAGE);

  g_object_unref (conn);
  return g_object_ref (store);
}

static int
newest_first (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  GDateTime *ta = xapi_message_get_timestamp ((XapiMessage *) a);
  GDateTime *tb = xapi_message_get_timestamp ((XapiMessage *) b);

  if (ta != NULL && tb != NULL && g_date_time_compare (ta, tb) != 0)
    return -g_date_time_compare (ta, tb);
  if (ta != tb && (ta == NULL || tb == NULL))
    return ta == NULL ? 1 : -1;
  return g_strcmp0 (xapi_object_get_ref ((XapiObject *) a), xapi_object_get_ref ((XapiObject *) b));
}

static const char *
priority_icon (gint64 priority)
{
  /* XenAPI: 1 = data loss imminent … 5 = informational. */
  if (priority <= 2)
    return "dialog-error-symbolic";
  if (priority <= 4)
    return "dialog-warning-symbolic";
  return "dialog-information-symbolic";
}

static char *
message_object_name (XapiMessage *msg)
{
  XapiConnection *conn = xapi_object_get_connection (XAPI_OBJECT (msg));
  XapiCache *cache = conn ? xapi_connection_get_cache (conn) : NULL;
  XapiObject *obj = cache ? xapi_cache_lookup_by_uuid (cache, xapi_message_get_obj_uuid (msg)) : NULL;

  if (obj != NULL)
    return xp_object_dup_display_name (G_OBJECT (obj));
  return NULL;
}

/* ---- dismiss ---- */

static void
destroyed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(XpAlertsView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!xapi_message_destroy_finish (XAPI_CONNECTION (source), result, &error))
    {
      g_autofree char *text = xapi_error_describe (error, TRUE);
      g_autofree char *msg = g_strdup_printf (_("Could not dismiss the alert: %s"), text);
      g_signal_emit (self, signals[TOAST], 0, msg);
    }
}

static void
dismiss (XpAlertsView *self,
         XapiMessage  *msg)
{
  XapiConnection *conn = xapi_object_get_connection (XAPI_OBJECT (msg));

  if (conn == NULL || xapi_object_is_gone (XAPI_OBJECT (msg)))
    return;
  xapi_message_destroy_async (conn, xapi_object_get_ref (XAPI_OBJECT (msg)), NULL,
                              destroyed_cb, g_object_ref (self));
}

void
xp_alerts_view_dismiss_all (XpAlertsView *self)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);
  guint n;

  g_return_if_fail (XP_IS_ALERTS_VIEW (self));

  n = g_list_model_get_n_items (self->model);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (all, g_list_model_get_item (self->model, i));
  for (guint i = 0; i < all->len; i++)
    dismiss (self, g_ptr_array_index (all, i));
}

/* ---- rows ---- */

typedef struct {
  XpAlertsView *view;
  GtkWidget    *icon;
  GtkWidget    *title;
  GtkWidget    *subtitle;
  GtkWidget    *body;
  GtkWidget    *dismiss;
  XapiMessage  *msg;
} AlertRow;

static void
alert_row_update (AlertRow *ar)
{
  XapiMessage *msg = ar->msg;
  g_autofree char *object = message_object_name (msg);
  g_autofree char *when = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *dismiss_label = NULL;
  GDateTime *ts = xapi_message_get_timestamp (msg);
  const char *name = xapi_message_get_name (msg);

  if (ts != NULL)
    {
      g_autoptr(GDateTime) local = g_date_time_to_local (ts);
      when = g_date_time_format (local, "%x %X");
    }
  gtk_image_set_from_icon_name (GTK_IMAGE (ar->icon),
                                priority_icon (xapi_message_get_priority (msg)));
  gtk_label_set_text (GTK_LABEL (ar->title), name);
  subtitle = g_strjoin (" · ", object ? object : xapi_message_get_obj_uuid (msg),
                        when ? when : "", NULL);
  gtk_label_set_text (GTK_LABEL (ar->subtitle), subtitle);
  gtk_label_set_text (GTK_LABEL (ar->body), xapi_message_get_body (msg));
  gtk_widget_set_visible (ar->body, *xapi_message_get_body (msg) != '\0');
  dismiss_label = g_strdup_printf (_("Dismiss alert %s"), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (ar->dismiss), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  dismiss_label, -1);
}

static void
dismiss_clicked_cb (GtkButton *button,
                    AlertRow  *ar)
{
  if (ar->msg != NULL)
    dismiss (ar->view, ar->msg);
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          XpAlertsView             *self)
{
  AlertRow *ar = g_new0 (AlertRow, 1);
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);

  ar->view = self;
  gtk_widget_set_margin_top (row, 6);
  gtk_widget_set_margin_bottom (row, 6);
  gtk_widget_set_margin_start (row, 12);
  gtk_widget_set_margin_end (row, 12);
  ar->icon = gtk_image_new ();
  gtk_widget_set_valign (ar->icon, GTK_ALIGN_START);
  ar->title = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (ar->title), 0.0);
  gtk_widget_add_css_class (ar->title, "heading");
  ar->subtitle = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (ar->subtitle), 0.0);
  gtk_widget_add_css_class (ar->subtitle, "dim-label");
  ar->body = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (ar->body), 0.0);
  gtk_label_set_wrap (GTK_LABEL (ar->body), TRUE);
  gtk_label_set_lines (GTK_LABEL (ar->body), 3);
  gtk_label_set_ellipsize (GTK_LABEL (ar->body), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (text), ar->title);
  gtk_box_append (GTK_BOX (text), ar->subtitle);
  gtk_box_append (GTK_BOX (text), ar->body);
  gtk_widget_set_hexpand (text, TRUE);
  ar->dismiss = gtk_button_new_with_mnemonic (_("_Dismiss"));
  gtk_widget_set_valign (ar->dismiss, GTK_ALIGN_CENTER);
  g_signal_connect (ar->dismiss, "clicked", G_CALLBACK (dismiss_clicked_cb), ar);

  gtk_box_append (GTK_BOX (row), ar->icon);
  gtk_box_append (GTK_BOX (row), text);
  gtk_box_append (GTK_BOX (row), ar->dismiss);
  gtk_list_item_set_child (item, row);
  gtk_list_item_set_activatable (item, FALSE);
  g_object_set_data_full (G_OBJECT (item), "xp-alert-row", ar, g_free);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item,
         XpAlertsView             *self)
{
  AlertRow *ar = g_object_get_data (G_OBJECT (item), "xp-alert-row");

  ar->msg = gtk_list_item_get_item (item);
  alert_row_update (ar);
}

static void
unbind_cb (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           XpAlertsView             *self)
{
  AlertRow *ar = g_object_get_data (G_OBJECT (item), "xp-alert-row");

  ar->msg = NULL;
}

static void
items_changed_cb (GListModel   *model,
                  guint         position,
                  guint         removed,
                  guint         added,
                  XpAlertsView *self)
{
  gboolean any = g_list_model_get_n_items (model) > 0;

  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), any ? "list" : "empty");
  gtk_widget_set_sensitive (self->dismiss_all, any);
}

static void
xp_alerts_view_dispose (GObject *object)
{
  XpAlertsView *self = XP_ALERTS_VIEW (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_object (&self->model);
  G_OBJECT_CLASS (xp_alerts_view_parent_class)->dispose (object);
}

static void
xp_alerts_view_class_init (XpAlertsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = xp_alerts_view_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  signals[TOAST] =
    g_signal_new ("toast", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
xp_alerts_view_init (XpAlertsView *self)
{
}

GtkWidget *
xp_alerts_view_new (GListModel *connections)
{
  XpAlertsView *self = g_object_new (XP_TYPE_ALERTS_VIEW, NULL);
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkMapListModel *map;
  GtkWidget *list, *scroller, *empty, *bar;

  map = gtk_map_list_model_new (g_object_ref (connections), map_to_messages, NULL, NULL);
  self->model = G_LIST_MODEL (gtk_sort_list_model_new (
                  G_LIST_MODEL (gtk_flatten_list_model_new (G_LIST_MODEL (map))),
                  GTK_SORTER (gtk_custom_sorter_new (newest_first, NULL, NULL))));

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), self);
  list = gtk_list_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (self->model))),
                            factory);
  gtk_widget_add_css_class (list, "rich-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Alerts"), -1);
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), list);
  gtk_widget_set_vexpand (scroller, TRUE);

  empty = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (empty), "alarm-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (empty), _("No Alerts"));

  self->stack = gtk_stack_new ();
  gtk_widget_set_vexpand (self->stack, TRUE);
  gtk_stack_add_named (GTK_STACK (self->stack), scroller, "list");
  gtk_stack_add_named (GTK_STACK (self->stack), empty, "empty");

  bar = gtk_action_bar_new ();
  self->dismiss_all = gtk_button_new_with_mnemonic (_("Dismiss _All"));
  g_signal_connect_swapped (self->dismiss_all, "clicked",
                            G_CALLBACK (xp_alerts_view_dismiss_all), self);
  gtk_action_bar_pack_end (GTK_ACTION_BAR (bar), self->dismiss_all);

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_box_append (GTK_BOX (self->box), self->stack);
  gtk_box_append (GTK_BOX (self->box), bar);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  g_signal_connect (self->model, "items-changed", G_CALLBACK (items_changed_cb), self);
  items_changed_cb (self->model, 0, 0, 0, self);
  return GTK_WIDGET (self);
}

GListModel *
xp_alerts_view_get_model (XpAlertsView *self)
{
  g_return_val_if_fail (XP_IS_ALERTS_VIEW (self), NULL);
  return self->model;
}
