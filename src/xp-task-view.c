/* xp-task-view.c: every XenAPI task of every connection, live
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The list is the cache's task stores of all connections (flattened), sorted
 * newest first, so tasks of other clients show as well.  Rows follow their
 * task's notifications (progress, status, error) while they are bound.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <xapi-classes.h>
#include <xapi-cache.h>
#include <xapi-error.h>
#include <xapi-task-ops.h>

#include "xp-task-view.h"
#include "xp-tree-model.h"

struct _XpTaskView
{
  GtkWidget       parent_instance;

  GtkWidget      *box;
  GtkWidget      *stack;
  GtkSorter      *sorter;
  GListModel     *model;       /* sorted tasks */
  GHashTable     *pending;     /* task ref -> gint64 *, when first seen pending */
  guint           long_task_ms;
};

G_DEFINE_FINAL_TYPE (XpTaskView, xp_task_view, GTK_TYPE_WIDGET)

#define DEFAULT_LONG_TASK_MS 10000

enum { TOAST, LONG_TASK_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static gpointer
map_to_tasks (gpointer item,
              gpointer user_data)
{
  XapiConnection *conn = item;
  GListModel *store = xapi_cache_get_objects (xapi_connection_get_cache (conn), XAPI_TYPE_TASK);

  g_object_unref (conn);
  return g_object_ref (store);
}

static int
newest_first (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  GDateTime *ta = xapi_task_get_created ((XapiTask *) a);
  GDateTime *tb = xapi_task_get_created ((XapiTask *) b);

  if (ta != NULL && tb != NULL)
    return -g_date_time_compare (ta, tb);
  if (ta != tb)
    return ta == NULL ? 1 : -1;
  return g_strcmp0 (xapi_object_get_ref ((XapiObject *) a), xapi_object_get_ref ((XapiObject *) b));
}

/* ---- rows ---- */

typedef struct {
  XpTaskView *view;
  GtkWidget  *title;
  GtkWidget  *subtitle;
  GtkWidget  *status;
  GtkWidget  *progress;
  GtkWidget  *cancel;
  XapiTask   *task;
  gulong      notify_id;
} TaskRow;

static char *
task_target_text (XapiTask *task)
{
  XapiConnection *conn = xapi_object_get_connection (XAPI_OBJECT (task));
  XapiCache *cache = conn ? xapi_connection_get_cache (conn) : NULL;
  const char *target = xapi_task_get_target_ref (task);
  XapiObject *obj = NULL;
  XapiObject *host;
  g_autofree char *server = NULL;
  g_autofree char *object = NULL;

  if (cache != NULL && target != NULL)
    obj = xapi_cache_lookup (cache, target);
  host = cache ? xapi_cache_follow (cache, XAPI_OBJECT (task), "resident_on") : NULL;
  if (host != NULL)
    server = xp_object_dup_display_name (G_OBJECT (host));
  if (obj != NULL)
    object = xp_object_dup_display_name (G_OBJECT (obj));

  if (object != NULL && server != NULL)
    return g_strdup_printf ("%s — %s", object, server);
  if (object != NULL)
    return g_steal_pointer (&object);
  if (server != NULL)
    return g_steal_pointer (&server);
  return g_strdup ("");
}

static void
task_row_update (TaskRow *tr)
{
  XapiTask *task = tr->task;
  g_autofree char *target = NULL;
  g_autofree char *when = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *status = NULL;
  GDateTime *created;
  gboolean pending;
  const char *title;

  if (task == NULL)
    return;

  title = xapi_task_get_name_label (task);
  gtk_label_set_text (GTK_LABEL (tr->title), title && *title ? title : _("Task"));

  target = task_target_text (task);
  created = xapi_task_get_created (task);
  if (created != NULL)
    {
      g_autoptr(GDateTime) local = g_date_time_to_local (created);
      when = g_date_time_format (local, "%x %X");
    }
  subtitle = g_strjoin (" · ", target && *target ? target : _("No object"), when ? when : "", NULL);
  gtk_label_set_text (GTK_LABEL (tr->subtitle), subtitle);

  pending = xapi_task_get_status (task) == XAPI_TASK_STATUS_TYPE_PENDING;
  switch (xapi_task_get_status (task))
    {
    case XAPI_TASK_STATUS_TYPE_PENDING:
      status = g_strdup_printf (_("%d %%"), (int) (100 * xapi_task_get_progress (task)));
      break;
    case XAPI_TASK_STATUS_TYPE_SUCCESS:
      status = g_strdup (_("Completed"));
      break;
    case XAPI_TASK_STATUS_TYPE_CANCELLING:
      status = g_strdup (_("Cancelling…"));
      break;
    case XAPI_TASK_STATUS_TYPE_CANCELLED:
      status = g_strdup (_("Cancelled"));
      break;
    case XAPI_TASK_STATUS_TYPE_FAILURE:
      {
        g_autoptr(GError) error = xapi_task_dup_error (task);
        g_autofree char *text = error ? xapi_error_describe (error, TRUE) : NULL;
        status = g_strdup_printf (_("Failed: %s"), text ? text : _("unknown error"));
      }
      break;
    default:
      status = g_strdup (_("Unknown"));
      break;
    }
  gtk_label_set_text (GTK_LABEL (tr->status), status);
  gtk_widget_set_tooltip_text (tr->status, status);
  if (xapi_task_get_status (task) == XAPI_TASK_STATUS_TYPE_FAILURE)
    gtk_widget_add_css_class (tr->status, "error");
  else
    gtk_widget_remove_css_class (tr->status, "error");

  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (tr->progress),
                                 xapi_task_get_status (task) == XAPI_TASK_STATUS_TYPE_SUCCESS
                                 ? 1.0 : CLAMP (xapi_task_get_progress (task), 0.0, 1.0));
  gtk_widget_set_visible (tr->cancel, pending);
  gtk_widget_set_sensitive (tr->cancel, pending);
}

static void
task_notify_cb (XapiTask   *task,
                GParamSpec *pspec,
                TaskRow    *tr)
{
  task_row_update (tr);
}

static void
cancelled_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(XpTaskView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!xapi_task_cancel_finish (XAPI_CONNECTION (source), result, &error))
    {
      g_autofree char *text = xapi_error_describe (error, TRUE);
      g_autofree char *msg = g_strdup_printf (_("Could not cancel the task: %s"), text);
      g_signal_emit (self, signals[TOAST], 0, msg);
    }
}

static void
cancel_clicked_cb (GtkButton *button,
                   TaskRow   *tr)
{
  XapiConnection *conn;

  if (tr->task == NULL)
    return;
  conn = xapi_object_get_connection (XAPI_OBJECT (tr->task));
  if (conn == NULL)
    return;
  xapi_task_cancel_async (conn, xapi_object_get_ref (XAPI_OBJECT (tr->task)), NULL,
                          cancelled_cb, g_object_ref (tr->view));
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          XpTaskView               *self)
{
  TaskRow *tr = g_new0 (TaskRow, 1);
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *right = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);

  tr->view = self;
  gtk_widget_add_css_class (row, "xp-task-row");
  gtk_widget_set_margin_top (row, 6);
  gtk_widget_set_margin_bottom (row, 6);
  gtk_widget_set_margin_start (row, 12);
  gtk_widget_set_margin_end (row, 12);

  tr->title = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (tr->title), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (tr->title), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (tr->title, "heading");
  tr->subtitle = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (tr->subtitle), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (tr->subtitle), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (tr->subtitle, "dim-label");
  tr->status = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (tr->status), 0.0);
  gtk_label_set_wrap (GTK_LABEL (tr->status), TRUE);
  gtk_box_append (GTK_BOX (text), tr->title);
  gtk_box_append (GTK_BOX (text), tr->subtitle);
  gtk_box_append (GTK_BOX (text), tr->status);
  gtk_widget_set_hexpand (text, TRUE);

  tr->progress = gtk_progress_bar_new ();
  gtk_widget_set_valign (tr->progress, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (tr->progress),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Progress"), -1);
  tr->cancel = gtk_button_new_from_icon_name ("process-stop-symbolic");
  gtk_widget_set_tooltip_text (tr->cancel, _("Cancel task"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (tr->cancel),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Cancel task"), -1);
  gtk_widget_add_css_class (tr->cancel, "flat");
  gtk_widget_set_halign (tr->cancel, GTK_ALIGN_END);
  g_signal_connect (tr->cancel, "clicked", G_CALLBACK (cancel_clicked_cb), tr);
  gtk_box_append (GTK_BOX (right), tr->progress);
  gtk_box_append (GTK_BOX (right), tr->cancel);
  gtk_widget_set_valign (right, GTK_ALIGN_CENTER);

  gtk_box_append (GTK_BOX (row), text);
  gtk_box_append (GTK_BOX (row), right);
  gtk_list_item_set_child (item, row);
  gtk_list_item_set_activatable (item, FALSE);
  g_object_set_data_full (G_OBJECT (item), "xp-task-row", tr, g_free);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item,
         XpTaskView               *self)
{
  TaskRow *tr = g_object_get_data (G_OBJECT (item), "xp-task-row");

  tr->task = gtk_list_item_get_item (item);
  tr->notify_id = g_signal_connect (tr->task, "notify", G_CALLBACK (task_notify_cb), tr);
  task_row_update (tr);
}

static void
unbind_cb (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           XpTaskView               *self)
{
  TaskRow *tr = g_object_get_data (G_OBJECT (item), "xp-task-row");

  if (tr->task != NULL)
    g_clear_signal_handler (&tr->notify_id, tr->task);
  tr->task = NULL;
}

/* A task that was pending for long enough says "long-task-finished" when
 * it ends, whoever started it. */
static void
watched_status_cb (XapiTask   *task,
                   GParamSpec *pspec,
                   XpTaskView *self)
{
  const char *ref = xapi_object_get_ref (XAPI_OBJECT (task));
  gint64 *since = ref ? g_hash_table_lookup (self->pending, ref) : NULL;
  gboolean is_long;

  if (since == NULL || xapi_task_get_status (task) == XAPI_TASK_STATUS_TYPE_PENDING)
    return;
  is_long = g_get_monotonic_time () - *since >= (gint64) self->long_task_ms * 1000;
  g_hash_table_remove (self->pending, ref);
  g_signal_handlers_disconnect_by_func (task, watched_status_cb, self);
  if (is_long)
    g_signal_emit (self, signals[LONG_TASK_FINISHED], 0, task);
}

static void
watch_task (XpTaskView *self,
            XapiTask   *task)
{
  const char *ref = xapi_object_get_ref (XAPI_OBJECT (task));
  gint64 *since;

  if (ref == NULL || xapi_task_get_status (task) != XAPI_TASK_STATUS_TYPE_PENDING ||
      g_hash_table_contains (self->pending, ref))
    return;
  since = g_new (gint64, 1);
  *since = g_get_monotonic_time ();
  g_hash_table_insert (self->pending, g_strdup (ref), since);
  g_signal_connect_object (task, "notify::status", G_CALLBACK (watched_status_cb), self, 0);
}

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  XpTaskView *self)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(XapiTask) task = g_list_model_get_item (model, i);

      watch_task (self, task);
    }
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack),
                                    g_list_model_get_n_items (model) > 0 ? "list" : "empty");
}

static void
xp_task_view_dispose (GObject *object)
{
  XpTaskView *self = XP_TASK_VIEW (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_object (&self->model);
  g_clear_object (&self->sorter);
  g_clear_pointer (&self->pending, g_hash_table_unref);
  G_OBJECT_CLASS (xp_task_view_parent_class)->dispose (object);
}

static void
xp_task_view_class_init (XpTaskViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = xp_task_view_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  signals[TOAST] =
    g_signal_new ("toast", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[LONG_TASK_FINISHED] =
    g_signal_new ("long-task-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, XAPI_TYPE_TASK);
}

static void
xp_task_view_init (XpTaskView *self)
{
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->long_task_ms = DEFAULT_LONG_TASK_MS;
}

GtkWidget *
xp_task_view_new (GListModel *connections)
{
  XpTaskView *self = g_object_new (XP_TYPE_TASK_VIEW, NULL);
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkMapListModel *map;
  GtkWidget *list, *scroller, *empty;

  map = gtk_map_list_model_new (g_object_ref (connections), map_to_tasks, NULL, NULL);
  self->sorter = GTK_SORTER (gtk_custom_sorter_new (newest_first, NULL, NULL));
  self->model = G_LIST_MODEL (gtk_sort_list_model_new (
                  G_LIST_MODEL (gtk_flatten_list_model_new (G_LIST_MODEL (map))),
                  g_object_ref (self->sorter)));

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), self);
  list = gtk_list_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (self->model))),
                            factory);
  gtk_widget_add_css_class (list, "rich-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Tasks"), -1);
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), list);
  gtk_widget_set_vexpand (scroller, TRUE);

  empty = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (empty), "emblem-system-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (empty), _("No Tasks"));
  adw_status_page_set_description (ADW_STATUS_PAGE (empty),
                                   _("Operations running on your servers, from this app and from others, show here."));

  self->stack = gtk_stack_new ();
  gtk_stack_add_named (GTK_STACK (self->stack), scroller, "list");
  gtk_stack_add_named (GTK_STACK (self->stack), empty, "empty");
  self->box = self->stack;
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  g_signal_connect (self->model, "items-changed", G_CALLBACK (items_changed_cb), self);
  items_changed_cb (self->model, 0, 0, g_list_model_get_n_items (self->model), self);
  return GTK_WIDGET (self);
}

void
xp_task_view_set_long_task_ms (XpTaskView *self,
                               guint       ms)
{
  g_return_if_fail (XP_IS_TASK_VIEW (self));
  self->long_task_ms = ms;
}

/* A desktop notification for a task that ended, for when the window is
 * not looked at. */
GNotification *
xp_task_view_build_notification (XapiTask *task)
{
  gboolean ok = xapi_task_get_status (task) == XAPI_TASK_STATUS_TYPE_SUCCESS;
  g_autofree char *target = task_target_text (task);
  const char *name = xapi_task_get_name_label (task);
  g_autofree char *body = NULL;
  GNotification *n;

  n = g_notification_new (ok ? _("Task Finished") : _("Task Did Not Finish"));
  if (name == NULL || *name == '\0')
    name = _("Task");
  body = *target != '\0' ? g_strdup_printf ("%s: %s", name, target) : g_strdup (name);
  g_notification_set_body (n, body);
  g_notification_set_default_action_and_target (n, "app.show-tasks", NULL);
  return n;
}

GListModel *
xp_task_view_get_model (XpTaskView *self)
{
  g_return_val_if_fail (XP_IS_TASK_VIEW (self), NULL);
  return self->model;
}
