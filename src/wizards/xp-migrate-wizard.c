/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Migrate VM wizard.  Each server of the pool is listed with the reason
 * it cannot take the VM: the pool_migrate preconditions checked locally
 * (current server, disabled, not live, free memory), then whatever
 * VM.assert_can_boot_here answers for the servers that passed. */

#include "config.h"

#include <glib/gi18n.h>

#include "xp-migrate-wizard.h"
#include "xp-wizard-util.h"
#include "xapi-cache.h"
#include "xapi-error.h"
#include "xapi-task-ops.h"

enum { PAGE_HOST, PAGE_SUMMARY, PAGE_PROGRESS, N_PAGES };
static const char *page_names[N_PAGES] = { "host", "summary", "progress" };

struct _XpMigrateWizard
{
  GtkWindow       parent_instance;

  XapiConnection *conn;
  XapiVm         *vm;
  char           *vm_ref;
  int             page;
  int             n_checking;

  GtkStack       *stack;
  GtkListBox     *host_list;
  GtkLabel       *summary_label;
  GtkLabel       *status_label;
  GtkProgressBar *progress;
  GtkLabel       *hint_label;
  GtkButton      *back_button;
  GtkButton      *next_button;
  GtkButton      *cancel_button;

  GCancellable   *cancellable;   /* the checks and the migration */
  XapiTask       *task;
  gulong          progress_id;
  gboolean        running;
  char           *target_ref;
};

G_DEFINE_FINAL_TYPE (XpMigrateWizard, xp_migrate_wizard, GTK_TYPE_WINDOW)

enum { SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static XapiHost *
selected_host (XpMigrateWizard *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->host_list);

  return row != NULL ? g_object_get_data (G_OBJECT (row), "host") : NULL;
}

static const char *
why_blocked (XpMigrateWizard *self)
{
  if (self->running)
    return _("The VM is being migrated");
  if (xapi_connection_get_state (self->conn) != XAPI_CONNECTION_STATE_CONNECTED)
    return _("The server is not connected");
  if (xapi_vm_get_power_state (self->vm) != XAPI_VM_POWER_STATE_RUNNING)
    return _("Only a running VM can be migrated live");
  if (self->page == PAGE_HOST && selected_host (self) == NULL)
    return self->n_checking > 0 ? _("Checking which servers can take the VM…")
                                : _("Choose a server that can take the VM");
  return NULL;
}

static void
update_buttons (XpMigrateWizard *self)
{
  const char *why = why_blocked (self);

  gtk_widget_set_sensitive (GTK_WIDGET (self->next_button), why == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->next_button), self->page < PAGE_PROGRESS);
  gtk_widget_set_sensitive (GTK_WIDGET (self->back_button), self->page == PAGE_SUMMARY);
  gtk_label_set_text (self->hint_label, why != NULL && self->page < PAGE_PROGRESS ? why : "");
  gtk_button_set_label (self->next_button, self->page == PAGE_SUMMARY ? _("_Migrate") : _("_Next"));
  gtk_button_set_label (self->cancel_button,
                        self->page == PAGE_PROGRESS && !self->running ? _("_Close") : _("_Cancel"));
}

static void
show_page (XpMigrateWizard *self,
           int              page)
{
  self->page = page;
  if (page == PAGE_SUMMARY)
    {
      g_autofree char *text = NULL;
      XapiHost *host = selected_host (self);

      text = g_strdup_printf (_("“%s” will be moved while it runs to the server “%s”."),
                              xapi_vm_get_name_label (self->vm),
                              host != NULL ? xapi_host_get_name_label (host) : "");
      gtk_label_set_text (self->summary_label, text);
    }
  gtk_stack_set_visible_child_name (self->stack, page_names[page]);
  update_buttons (self);
}

/* ---- the host list ---- */

static void
set_row_reason (GtkListBoxRow *row,
                const char    *reason)
{
  GtkLabel *label = g_object_get_data (G_OBJECT (row), "reason");
  XapiHost *host = g_object_get_data (G_OBJECT (row), "host");
  g_autofree char *a11y = NULL;

  gtk_label_set_text (label, reason != NULL ? reason : _("Can take the VM"));
  gtk_list_box_row_set_selectable (row, reason == NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (row), reason == NULL);
  a11y = g_strdup_printf ("%s: %s", xapi_host_get_name_label (host), gtk_label_get_text (label));
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
}

/* The preconditions of VM.pool_migrate that the cache can answer. */
static char *
local_reason (XpMigrateWizard *self,
              XapiHost        *host)
{
  XapiCache *cache = xapi_connection_get_cache (self->conn);
  XapiObject *metrics = xapi_cache_follow (cache, XAPI_OBJECT (host), "metrics");
  const char *ref = xapi_object_get_ref (XAPI_OBJECT (host));

  if (g_strcmp0 (ref, xapi_vm_get_resident_on (self->vm)) == 0)
    return g_strdup (_("The VM is running on this server"));
  if (!xapi_host_get_enabled (host))
    return g_strdup (_("The server is disabled (maintenance mode)"));
  if (metrics != NULL && XAPI_IS_HOST_METRICS (metrics))
    {
      XapiHostMetrics *m = XAPI_HOST_METRICS (metrics);

      if (!xapi_host_metrics_get_live (m))
        return g_strdup (_("The server is not reachable"));
      if (xapi_host_metrics_get_memory_free (m) < xapi_vm_get_memory_static_max (self->vm))
        {
          g_autofree char *need = g_format_size_full (xapi_vm_get_memory_static_max (self->vm), G_FORMAT_SIZE_IEC_UNITS);
          g_autofree char *have = g_format_size_full (xapi_host_metrics_get_memory_free (m), G_FORMAT_SIZE_IEC_UNITS);
          return g_strdup_printf (_("Not enough free memory: the VM needs %s, the server has %s"), need, have);
        }
    }
  return NULL;
}

typedef struct {
  XpMigrateWizard *self;
  GtkListBoxRow   *row;
} Check;

static void
on_can_boot_here (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  Check *check = data;
  XpMigrateWizard *self = check->self;
  g_autoptr(GError) error = NULL;

  xapi_vm_assert_can_boot_here_finish (XAPI_CONNECTION (source), result, &error);
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *reason = error != NULL ? xapi_error_describe (error, TRUE) : NULL;

      set_row_reason (check->row, reason);
      self->n_checking--;
      update_buttons (self);
    }
  g_object_unref (check->row);
  g_object_unref (self);
  g_free (check);
}

static void
fill_hosts (XpMigrateWizard *self)
{
  GListModel *hosts = xapi_cache_get_objects (xapi_connection_get_cache (self->conn), XAPI_TYPE_HOST);

  for (guint i = 0; i < g_list_model_get_n_items (hosts); i++)
    {
      g_autoptr(XapiHost) host = g_list_model_get_item (hosts, i);
      g_autofree char *reason = NULL;
      GtkWidget *row, *box, *name, *why;

      if (xapi_object_is_gone (XAPI_OBJECT (host)))
        continue;
      box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      gtk_widget_set_margin_top (box, 4);
      gtk_widget_set_margin_bottom (box, 4);
      name = gtk_label_new (xapi_host_get_name_label (host));
      gtk_label_set_xalign (GTK_LABEL (name), 0);
      why = gtk_label_new (_("Checking…"));
      gtk_label_set_xalign (GTK_LABEL (why), 0);
      gtk_label_set_wrap (GTK_LABEL (why), TRUE);
      gtk_widget_add_css_class (why, "dim-label");
      gtk_widget_set_name (why, "host-reason");
      gtk_box_append (GTK_BOX (box), name);
      gtk_box_append (GTK_BOX (box), why);
      row = gtk_list_box_row_new ();
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
      g_object_set_data_full (G_OBJECT (row), "host", g_object_ref (host), g_object_unref);
      g_object_set_data (G_OBJECT (row), "reason", why);
      gtk_list_box_append (self->host_list, row);

      reason = local_reason (self, host);
      if (reason != NULL)
        set_row_reason (GTK_LIST_BOX_ROW (row), reason);
      else
        {
          Check *check = g_new0 (Check, 1);

          /* not selectable until the server said yes */
          gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (row), FALSE);
          gtk_widget_set_sensitive (row, FALSE);
          check->self = g_object_ref (self);
          check->row = g_object_ref (GTK_LIST_BOX_ROW (row));
          self->n_checking++;
          xapi_vm_assert_can_boot_here_async (self->conn, self->vm_ref, xapi_object_get_ref (XAPI_OBJECT (host)),
                                              self->cancellable, on_can_boot_here, check);
        }
    }
}

/* ---- migration ---- */

static void
finish (XpMigrateWizard *self,
        GError          *error)
{
  g_autofree char *text = NULL;
  XapiHost *host = selected_host (self);

  self->running = FALSE;
  if (self->task != NULL)
    g_clear_signal_handler (&self->progress_id, self->task);
  if (error == NULL)
    text = g_strdup_printf (_("“%s” now runs on “%s”."), xapi_vm_get_name_label (self->vm),
                            host != NULL ? xapi_host_get_name_label (host) : "");
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
           || g_strcmp0 (xapi_error_get_code_string (error), "TASK_CANCELLED") == 0)
    text = g_strdup (_("The migration was cancelled; the VM stays where it was."));
  else
    {
      g_autofree char *why = xapi_error_describe (error, TRUE);
      text = g_strdup_printf (_("The migration failed: %s The VM stays where it was."), why);
    }
  gtk_progress_bar_set_fraction (self->progress, error == NULL ? 1.0 : 0.0);
  gtk_label_set_text (self->status_label, text);
  update_buttons (self);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, error == NULL ? self->target_ref : NULL,
                 error != NULL ? text : NULL);
  g_object_unref (self);  /* taken in start_migration () */
}

static void
on_task_progress (XpMigrateWizard *self)
{
  gtk_progress_bar_set_fraction (self->progress, CLAMP (xapi_task_get_progress (self->task), 0.0, 1.0));
}

static void
on_task_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  XpMigrateWizard *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = xapi_task_wait_finish (XAPI_TASK (source), result, &error);

  finish (self, error);
}

static void
on_task_created (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  XpMigrateWizard *self = data;
  g_autoptr(GError) error = NULL;
  XapiTask *task = xapi_vm_pool_migrate_as_task_finish (self->conn, result, &error);

  if (task == NULL)
    {
      finish (self, error);
      return;
    }
  self->task = task;
  self->progress_id = g_signal_connect_swapped (task, "notify::progress", G_CALLBACK (on_task_progress), self);
  xapi_task_wait_async (task, TRUE, self->cancellable, on_task_done, self);
}

static void
start_migration (XpMigrateWizard *self)
{
  g_autoptr(GHashTable) options = g_hash_table_new (g_str_hash, g_str_equal);
  XapiHost *host = selected_host (self);

  g_hash_table_insert (options, (gpointer) "live", (gpointer) "true");
  g_free (self->target_ref);
  self->target_ref = g_strdup (xapi_object_get_ref (XAPI_OBJECT (host)));
  self->running = TRUE;
  g_object_ref (self);  /* released in finish () */
  show_page (self, PAGE_PROGRESS);
  gtk_label_set_text (self->status_label, _("Migrating…"));
  xapi_vm_pool_migrate_as_task_async (self->conn, self->vm_ref, self->target_ref, options,
                                      self->cancellable, on_task_created, self);
}

static void
cancel_migration (XpMigrateWizard *self)
{
  if (self->task != NULL)
    xapi_task_cancel_async (self->conn, xapi_object_get_ref (XAPI_OBJECT (self->task)), NULL, NULL, NULL);
  else
    g_cancellable_cancel (self->cancellable);
  gtk_label_set_text (self->status_label, _("Cancelling…"));
}

static void
on_next (XpMigrateWizard *self)
{
  if (why_blocked (self) != NULL)
    return;
  if (self->page == PAGE_SUMMARY)
    start_migration (self);
  else
    show_page (self, self->page + 1);
}

static void
on_back (XpMigrateWizard *self)
{
  if (self->page == PAGE_SUMMARY)
    show_page (self, PAGE_HOST);
}

static void
on_cancel (XpMigrateWizard *self)
{
  if (self->running)
    cancel_migration (self);
  else
    gtk_window_destroy (GTK_WINDOW (self));
}

static gboolean
on_escape (GtkWidget *widget,
           GVariant  *args,
           gpointer   data)
{
  on_cancel (data);
  return TRUE;
}

static gboolean
on_close_request (GtkWindow *window)
{
  XpMigrateWizard *self = XP_MIGRATE_WIZARD (window);

  if (self->running)
    {
      cancel_migration (self);
      return TRUE;
    }
  return FALSE;
}

/* ---- construction ---- */

static void
xp_migrate_wizard_dispose (GObject *object)
{
  XpMigrateWizard *self = XP_MIGRATE_WIZARD (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (xp_migrate_wizard_parent_class)->dispose (object);
}

static void
xp_migrate_wizard_finalize (GObject *object)
{
  XpMigrateWizard *self = XP_MIGRATE_WIZARD (object);

  if (self->task != NULL)
    g_clear_signal_handler (&self->progress_id, self->task);
  g_clear_object (&self->task);
  g_clear_object (&self->conn);
  g_clear_object (&self->vm);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->vm_ref, g_free);
  g_clear_pointer (&self->target_ref, g_free);
  G_OBJECT_CLASS (xp_migrate_wizard_parent_class)->finalize (object);
}

static void
xp_migrate_wizard_class_init (XpMigrateWizardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = xp_migrate_wizard_dispose;
  object_class->finalize = xp_migrate_wizard_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = on_close_request;

  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                           G_TYPE_STRING, G_TYPE_STRING);
}

static void
xp_migrate_wizard_init (XpMigrateWizard *self)
{
  self->cancellable = g_cancellable_new ();
}

GtkWindow *
xp_migrate_wizard_new (GtkWindow *parent,
                       XapiVm    *vm)
{
  XpMigrateWizard *self;
  GtkWidget *outer, *box, *scroller, *buttons, *label;
  g_autofree char *title = NULL;

  g_return_val_if_fail (XAPI_IS_VM (vm), NULL);

  title = g_strdup_printf (_("Migrate “%s”"), xapi_vm_get_name_label (vm));
  self = g_object_new (XP_TYPE_MIGRATE_WIZARD,
                       "title", title,
                       "transient-for", parent,
                       "default-width", 520,
                       "default-height", 440,
                       NULL);
  self->vm = g_object_ref (vm);
  self->vm_ref = g_strdup (xapi_object_get_ref (XAPI_OBJECT (vm)));
  self->conn = g_object_ref (xapi_object_get_connection (XAPI_OBJECT (vm)));

  outer = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_box_append (GTK_BOX (outer), GTK_WIDGET (self->stack));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_HOST], _("Destination server"));
  label = gtk_label_new_with_mnemonic (_("_Servers of the pool"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_box_append (GTK_BOX (box), label);
  self->host_list = GTK_LIST_BOX (xp_wizard_named (gtk_list_box_new (), "host-list"));
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), GTK_WIDGET (self->host_list));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->host_list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Servers of the pool"), -1);
  scroller = gtk_scrolled_window_new ();
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->host_list));
  gtk_box_append (GTK_BOX (box), scroller);

  box = xp_wizard_page_box (self->stack, page_names[PAGE_SUMMARY], _("Summary"));
  self->summary_label = GTK_LABEL (xp_wizard_named (gtk_label_new (""), "summary-label"));
  gtk_label_set_wrap (self->summary_label, TRUE);
  gtk_label_set_xalign (self->summary_label, 0);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->summary_label));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_PROGRESS], _("Migrating"));
  self->status_label = GTK_LABEL (xp_wizard_named (gtk_label_new (""), "status-label"));
  gtk_label_set_wrap (self->status_label, TRUE);
  gtk_label_set_xalign (self->status_label, 0);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->status_label));
  self->progress = GTK_PROGRESS_BAR (xp_wizard_named (gtk_progress_bar_new (), "progress"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->progress), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Progress"), -1);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->progress));

  buttons = xp_wizard_button_bar (GTK_WINDOW (self), &self->hint_label, &self->cancel_button,
                                  &self->back_button, &self->next_button, G_CALLBACK (on_next),
                                  G_CALLBACK (on_back), G_CALLBACK (on_cancel), on_escape);
  gtk_box_append (GTK_BOX (outer), buttons);
  gtk_window_set_child (GTK_WINDOW (self), outer);

  g_signal_connect_swapped (self->host_list, "selected-rows-changed", G_CALLBACK (update_buttons), self);

  fill_hosts (self);
  self->page = PAGE_HOST;
  update_buttons (self);
  return GTK_WINDOW (self);
}
