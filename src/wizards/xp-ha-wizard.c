/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Configure HA wizard.  The heartbeat SR list shows why an SR cannot
 * hold the heartbeat (not shared, an ISO library); then each VM's restart
 * priority and start order (running VMs without a priority are proposed
 * "Restart", as XenCenter does); the failures to tolerate are bounded by
 * what the pool computes for those priorities.  On Finish the changed
 * priorities and orders are set first (VM.set_ha_restart_priority,
 * VM.set_order), then HA is enabled as a task, then the failures to
 * tolerate are set.  If anything fails, HA is disabled again when it had
 * been enabled and every VM's priority and order is set back, so the pool
 * is left as it was. */

#include "config.h"

#include <glib/gi18n.h>

#include "xp-ha-wizard.h"
#include "xp-wizard-util.h"
#include "pages/xp-page-util.h"
#include "xapi-cache.h"
#include "xapi-classes.h"
#include "xapi-error.h"
#include "xapi-task-ops.h"

enum { PAGE_SR, PAGE_PRIORITIES, PAGE_FAILURES, PAGE_SUMMARY, PAGE_PROGRESS, N_PAGES };
static const char *page_names[N_PAGES] = { "sr", "priorities", "failures", "summary", "progress" };

/* One VM of the priorities page: its values before the wizard, its
 * controls, and what Finish changed on the server. */
typedef struct {
  XpHaWizard     *wizard;          /* unowned */
  XapiVm         *vm;
  char           *old_priority;
  gint64          old_order;
  GtkDropDown    *priority;
  GtkSpinButton  *order;
  gboolean        priority_set;
  gboolean        order_set;
  gboolean        restore_failed;
} VmEntry;

static void
vm_entry_free (gpointer data)
{
  VmEntry *e = data;

  g_clear_object (&e->vm);
  g_free (e->old_priority);
  g_free (e);
}

struct _XpHaWizard
{
  GtkWindow       parent_instance;

  XapiConnection *conn;
  char           *pool_ref;
  int             page;
  gint64          max_failures;  /* -1 until computed */
  guint           max_generation;  /* ignores answers for older priorities */
  GPtrArray      *vms;           /* of VmEntry */
  guint           step_vm;       /* Finish: the VM being set */
  guint           step_field;    /* 0 priority, 1 order */
  guint           restoring;     /* calls setting values back */

  GtkStack       *stack;
  GtkListBox     *sr_list;
  GtkSpinButton  *failures_spin;
  GtkLabel       *max_label;
  GtkLabel       *summary_label;
  GtkLabel       *status_label;
  GtkProgressBar *progress;
  GtkLabel       *hint_label;
  GtkButton      *back_button;
  GtkButton      *next_button;
  GtkButton      *cancel_button;

  GCancellable   *cancellable;
  XapiTask       *task;
  gulong          progress_id;
  gboolean        running;
  char           *failure;
};

G_DEFINE_FINAL_TYPE (XpHaWizard, xp_ha_wizard, GTK_TYPE_WINDOW)

enum { SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static XapiSr *
selected_sr (XpHaWizard *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->sr_list);

  return row != NULL ? g_object_get_data (G_OBJECT (row), "sr") : NULL;
}

static const char *
why_blocked (XpHaWizard *self)
{
  XapiObject *pool = xapi_cache_get_pool (xapi_connection_get_cache (self->conn));

  if (self->running)
    return _("High availability is being enabled");
  if (xapi_connection_get_state (self->conn) != XAPI_CONNECTION_STATE_CONNECTED)
    return _("The server is not connected");
  if (self->page < PAGE_PROGRESS && pool != NULL && xapi_pool_get_ha_enabled (XAPI_POOL (pool)))
    return _("High availability is already enabled");
  if (self->page == PAGE_SR && selected_sr (self) == NULL)
    return _("Choose a shared SR for the heartbeat disk");
  if (self->page == PAGE_FAILURES)
    {
      if (self->max_failures < 0)
        return _("Computing how many failures the pool can tolerate…");
      if (gtk_spin_button_get_value_as_int (self->failures_spin) > self->max_failures)
        return _("The pool cannot tolerate that many server failures");
    }
  return NULL;
}

static void
update_buttons (XpHaWizard *self)
{
  const char *why = why_blocked (self);

  gtk_widget_set_sensitive (GTK_WIDGET (self->next_button), why == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->next_button), self->page < PAGE_PROGRESS);
  gtk_widget_set_sensitive (GTK_WIDGET (self->back_button), self->page > PAGE_SR && self->page < PAGE_PROGRESS);
  gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_button), !self->running);
  gtk_label_set_text (self->hint_label, why != NULL && self->page < PAGE_PROGRESS ? why : "");
  gtk_button_set_label (self->next_button, self->page == PAGE_SUMMARY ? _("_Enable HA") : _("_Next"));
  gtk_button_set_label (self->cancel_button, self->page == PAGE_PROGRESS ? _("_Close") : _("_Cancel"));
}

static const char *
entry_priority (VmEntry *e)
{
  return xp_ha_priority_wire (gtk_drop_down_get_selected (e->priority));
}

static guint
n_protected (XpHaWizard *self)
{
  guint n = 0;

  for (guint i = 0; i < self->vms->len; i++)
    if (*entry_priority (g_ptr_array_index (self->vms, i)) != '\0')
      n++;
  return n;
}

typedef struct {
  XpHaWizard *self;     /* a reference */
  guint       generation;
} MaxCall;

static void
on_max_computed (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  MaxCall *call = data;
  g_autoptr(XpHaWizard) self = call->self;
  gboolean current = call->generation == self->max_generation;
  g_autoptr(GError) error = NULL;
  gint64 max = -1;
  gboolean ok = xapi_pool_ha_compute_hypothetical_max_host_failures_to_tolerate_finish (XAPI_CONNECTION (source),
                                                                                         result, &max, &error);

  g_free (call);
  if (!current)
    return;  /* the priorities changed since this was asked */
  if (!ok)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *why = xapi_error_describe (error, TRUE);
          g_autofree char *text = g_strdup_printf (_("Could not compute the failures to tolerate: %s"), why);
          gtk_label_set_text (self->max_label, text);
        }
      return;
    }
  self->max_failures = MAX (max, 0);
  {
    g_autofree char *text = g_strdup_printf (ngettext ("The pool can tolerate at most %d server failure.",
                                                       "The pool can tolerate at most %d server failures.",
                                                       (int) self->max_failures), (int) self->max_failures);
    gtk_label_set_text (self->max_label, text);
  }
  gtk_spin_button_set_range (self->failures_spin, 0, (double) self->max_failures);
  gtk_spin_button_set_value (self->failures_spin, (double) self->max_failures);
  update_buttons (self);
}

/* Like XenCenter, asks the pool about the priorities chosen on the
 * previous page (VM ref → priority, the protected VMs only). */
static void
compute_max (XpHaWizard *self)
{
  g_autoptr(GHashTable) config = g_hash_table_new (g_str_hash, g_str_equal);
  MaxCall *call = g_new0 (MaxCall, 1);

  for (guint i = 0; i < self->vms->len; i++)
    {
      VmEntry *e = g_ptr_array_index (self->vms, i);

      if (*entry_priority (e) != '\0')
        g_hash_table_insert (config, (gpointer) xapi_object_get_ref (XAPI_OBJECT (e->vm)),
                             (gpointer) entry_priority (e));
    }
  self->max_failures = -1;
  call->self = g_object_ref (self);
  call->generation = ++self->max_generation;
  gtk_label_set_text (self->max_label, _("Computing…"));
  xapi_pool_ha_compute_hypothetical_max_host_failures_to_tolerate_async (self->conn, config, self->cancellable,
                                                                         on_max_computed, call);
}

static void
show_page (XpHaWizard *self,
           int         page)
{
  /* coming from the priorities, the maximum depends on them */
  if (page == PAGE_FAILURES && (self->max_failures < 0 || self->page == PAGE_PRIORITIES))
    compute_max (self);
  self->page = page;
  if (page == PAGE_SUMMARY)
    {
      guint n = n_protected (self);
      g_autofree char *text = g_strdup_printf (_("High availability will be enabled with its heartbeat disk on “%s”, "
                                                 "tolerating %d server failures."),
                                               xapi_sr_get_name_label (selected_sr (self)),
                                               gtk_spin_button_get_value_as_int (self->failures_spin));
      g_autofree char *vms = g_strdup_printf (ngettext ("%u VM will be protected (restart priority “Restart” or "
                                                        "“Restart if possible”).",
                                                        "%u VMs will be protected (restart priority “Restart” or "
                                                        "“Restart if possible”).", n), n);
      g_autofree char *all = g_strconcat (text, "\n", vms, NULL);

      gtk_label_set_text (self->summary_label, all);
    }
  gtk_stack_set_visible_child_name (self->stack, page_names[page]);
  update_buttons (self);
}

/* ---- the SR list ---- */

static const char *
sr_unsuitable (XapiSr *sr)
{
  if (g_strcmp0 (xapi_sr_get_content_type (sr), "iso") == 0)
    return _("An ISO library cannot hold the heartbeat disk");
  if (!xapi_sr_get_shared (sr))
    return _("Not shared by every server");
  return NULL;
}

static void
fill_srs (XpHaWizard *self)
{
  GListModel *srs = xapi_cache_get_objects (xapi_connection_get_cache (self->conn), XAPI_TYPE_SR);

  for (guint i = 0; i < g_list_model_get_n_items (srs); i++)
    {
      g_autoptr(XapiSr) sr = g_list_model_get_item (srs, i);
      const char *why = sr_unsuitable (sr);
      GtkWidget *row, *box, *name, *reason;
      g_autofree char *a11y = NULL;

      if (xapi_object_is_gone (XAPI_OBJECT (sr)))
        continue;
      box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      gtk_widget_set_margin_top (box, 4);
      gtk_widget_set_margin_bottom (box, 4);
      name = gtk_label_new (xapi_sr_get_name_label (sr));
      gtk_label_set_xalign (GTK_LABEL (name), 0);
      reason = gtk_label_new (why != NULL ? why : _("Can hold the heartbeat disk"));
      gtk_label_set_xalign (GTK_LABEL (reason), 0);
      gtk_widget_add_css_class (reason, "dim-label");
      gtk_box_append (GTK_BOX (box), name);
      gtk_box_append (GTK_BOX (box), reason);
      row = gtk_list_box_row_new ();
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
      gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (row), why == NULL);
      gtk_widget_set_sensitive (row, why == NULL);
      a11y = g_strdup_printf ("%s: %s", xapi_sr_get_name_label (sr), gtk_label_get_text (GTK_LABEL (reason)));
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
      g_object_set_data_full (G_OBJECT (row), "sr", g_object_ref (sr), g_object_unref);
      g_object_set_data_full (G_OBJECT (row), "reason", g_strdup (why), g_free);
      gtk_list_box_append (self->sr_list, row);
    }
}

/* ---- the restart priorities ---- */

static gint
vm_entry_compare (gconstpointer a,
                  gconstpointer b)
{
  const VmEntry *ea = *(VmEntry **) a;
  const VmEntry *eb = *(VmEntry **) b;

  if (ea->old_order != eb->old_order)
    return ea->old_order < eb->old_order ? -1 : 1;
  return g_utf8_collate (xapi_vm_get_name_label (ea->vm), xapi_vm_get_name_label (eb->vm));
}

/* Every VM that HA can restart: not a template, a snapshot or a control
 * domain; one row each with its priority and start order. */
static void
fill_vms (XpHaWizard *self,
          GtkGrid    *grid)
{
  GListModel *vms = xapi_cache_get_objects (xapi_connection_get_cache (self->conn), XAPI_TYPE_VM);

  for (guint i = 0; i < g_list_model_get_n_items (vms); i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);
      VmEntry *e;

      if (xapi_object_is_gone (XAPI_OBJECT (vm)) || xapi_vm_get_is_a_template (vm)
          || xapi_vm_get_is_a_snapshot (vm) || xapi_vm_get_is_control_domain (vm))
        continue;
      e = g_new0 (VmEntry, 1);
      e->wizard = self;
      e->vm = g_object_ref (vm);
      e->old_priority = g_strdup (xapi_vm_get_ha_restart_priority (vm) != NULL
                                  ? xapi_vm_get_ha_restart_priority (vm) : "");
      e->old_order = xapi_vm_get_order (vm);
      g_ptr_array_add (self->vms, e);
    }
  g_ptr_array_sort (self->vms, vm_entry_compare);

  for (guint i = 0; i < self->vms->len; i++)
    {
      VmEntry *e = g_ptr_array_index (self->vms, i);
      const char *name = xapi_vm_get_name_label (e->vm);
      const char *ref = xapi_object_get_ref (XAPI_OBJECT (e->vm));
      guint selected = xp_ha_priority_index (e->old_priority);
      g_autofree char *prio_name = g_strdup_printf ("ha-priority:%s", ref);
      g_autofree char *order_name = g_strdup_printf ("ha-order:%s", ref);
      GtkWidget *label = gtk_label_new (name);

      /* as XenCenter proposes: a running VM without a priority is restarted */
      if (*e->old_priority == '\0' && xapi_vm_get_power_state (e->vm) == XAPI_VM_POWER_STATE_RUNNING)
        selected = xp_ha_priority_index ("restart");
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_widget_set_hexpand (label, TRUE);
      e->priority = GTK_DROP_DOWN (xp_wizard_named (xp_ha_priority_dropdown_new (name, selected), prio_name));
      e->order = GTK_SPIN_BUTTON (xp_wizard_named (xp_ha_order_spin_new (name, e->old_order), order_name));
      gtk_grid_attach (grid, label, 0, (int) i, 1, 1);
      gtk_grid_attach (grid, GTK_WIDGET (e->priority), 1, (int) i, 1, 1);
      gtk_grid_attach (grid, GTK_WIDGET (e->order), 2, (int) i, 1, 1);
    }
  if (self->vms->len == 0)
    gtk_grid_attach (grid, gtk_label_new (_("No virtual machines")), 0, 0, 1, 1);
}

/* ---- enabling ---- */

static void
finish (XpHaWizard *self)
{
  self->running = FALSE;
  if (self->task != NULL)
    g_clear_signal_handler (&self->progress_id, self->task);
  gtk_progress_bar_set_fraction (self->progress, self->failure == NULL ? 1.0 : 0.0);
  gtk_label_set_text (self->status_label, self->failure != NULL ? self->failure : _("High availability is enabled."));
  update_buttons (self);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, self->failure == NULL ? self->pool_ref : NULL, self->failure);
  g_object_unref (self);  /* taken in start_enable () */
}

/* After a failure: says what became of the VMs' priorities and orders. */
static void
restore_done (XpHaWizard *self)
{
  g_autoptr(GString) failed = g_string_new (NULL);
  gboolean changed = FALSE;
  char *text = NULL;

  for (guint i = 0; i < self->vms->len; i++)
    {
      VmEntry *e = g_ptr_array_index (self->vms, i);

      changed |= e->priority_set || e->order_set;
      if (e->restore_failed)
        {
          if (failed->len > 0)
            g_string_append (failed, ", ");
          g_string_append_printf (failed, "“%s”", xapi_vm_get_name_label (e->vm));
        }
    }
  if (failed->len > 0)
    text = g_strdup_printf (_("%s The restart priority or start order of these VMs could not be set back: %s."),
                            self->failure, failed->str);
  else if (changed)
    text = g_strdup_printf (_("%s The restart priorities and start orders were set back as they were."),
                            self->failure);
  if (text != NULL)
    {
      g_free (self->failure);
      self->failure = text;
    }
  finish (self);
}

static void
restored_one (VmEntry  *e,
              gboolean  ok,
              GError   *error)
{
  XpHaWizard *self = e->wizard;

  if (!ok)
    {
      g_debug ("setting back the HA settings of %s failed: %s", xapi_vm_get_name_label (e->vm), error->message);
      e->restore_failed = TRUE;
    }
  if (--self->restoring == 0)
    restore_done (self);
}

static void
on_priority_restored (GObject      *source,
                      GAsyncResult *result,
                      gpointer      data)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = xapi_vm_set_ha_restart_priority_finish (XAPI_CONNECTION (source), result, &error);

  restored_one (data, ok, error);
}

static void
on_order_restored (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = xapi_vm_set_order_finish (XAPI_CONNECTION (source), result, &error);

  restored_one (data, ok, error);
}

/* Sets back every priority and order Finish changed, then finishes with
 * self->failure. */
static void
restore_vms (XpHaWizard *self)
{
  self->restoring = 1;  /* held until every call is made */
  gtk_label_set_text (self->status_label, _("Setting the restart priorities and start orders back…"));
  for (guint i = 0; i < self->vms->len; i++)
    {
      VmEntry *e = g_ptr_array_index (self->vms, i);
      const char *ref = xapi_object_get_ref (XAPI_OBJECT (e->vm));

      if (e->priority_set)
        {
          self->restoring++;
          xapi_vm_set_ha_restart_priority_async (self->conn, ref, e->old_priority, NULL, on_priority_restored, e);
        }
      if (e->order_set)
        {
          self->restoring++;
          xapi_vm_set_order_async (self->conn, ref, e->old_order, NULL, on_order_restored, e);
        }
    }
  if (--self->restoring == 0)
    restore_done (self);
}

static void
on_disabled_again (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  XpHaWizard *self = data;
  g_autoptr(GError) error = NULL;

  if (!xapi_pool_disable_ha_finish (XAPI_CONNECTION (source), result, &error))
    g_debug ("disabling HA again failed: %s", error->message);
  restore_vms (self);
}

static void
on_failures_set (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  XpHaWizard *self = data;
  g_autoptr(GError) error = NULL;

  if (!xapi_pool_set_ha_host_failures_to_tolerate_finish (XAPI_CONNECTION (source), result, &error))
    {
      g_autofree char *why = xapi_error_describe (error, TRUE);

      self->failure = g_strdup_printf (_("Setting the failures to tolerate failed: %s High availability was disabled again."),
                                       why);
      gtk_label_set_text (self->status_label, _("Disabling high availability again…"));
      xapi_pool_disable_ha_async (self->conn, NULL, on_disabled_again, self);
      return;
    }
  finish (self);
}

static void
on_enabled (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  XpHaWizard *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = xapi_task_wait_finish (XAPI_TASK (source), result, &error);

  if (error != NULL)
    {
      g_autofree char *why = xapi_error_describe (error, TRUE);

      self->failure = g_strdup_printf (_("High availability could not be enabled: %s"), why);
      restore_vms (self);
      return;
    }
  gtk_label_set_text (self->status_label, _("Setting the failures to tolerate…"));
  xapi_pool_set_ha_host_failures_to_tolerate_async (self->conn, self->pool_ref,
                                                    gtk_spin_button_get_value_as_int (self->failures_spin),
                                                    NULL, on_failures_set, self);
}

static void
on_task_progress (XpHaWizard *self)
{
  gtk_progress_bar_set_fraction (self->progress, CLAMP (xapi_task_get_progress (self->task), 0.0, 1.0) * 0.9);
}

static void
on_task_created (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  XpHaWizard *self = data;
  g_autoptr(GError) error = NULL;
  XapiTask *task = xapi_pool_enable_ha_as_task_finish (self->conn, result, &error);

  if (task == NULL)
    {
      g_autofree char *why = xapi_error_describe (error, TRUE);

      self->failure = g_strdup_printf (_("High availability could not be enabled: %s"), why);
      restore_vms (self);
      return;
    }
  self->task = task;
  self->progress_id = g_signal_connect_swapped (task, "notify::progress", G_CALLBACK (on_task_progress), self);
  xapi_task_wait_async (task, TRUE, NULL, on_enabled, self);
}

static void
enable_ha (XpHaWizard *self)
{
  const char *srs[] = { xapi_object_get_ref (XAPI_OBJECT (selected_sr (self))), NULL };
  g_autoptr(GHashTable) config = g_hash_table_new (g_str_hash, g_str_equal);

  gtk_label_set_text (self->status_label, _("Enabling high availability…"));
  /* not cancellable: a half-enabled HA is worse than waiting */
  xapi_pool_enable_ha_as_task_async (self->conn, srs, config, NULL, on_task_created, self);
}

static void apply_next (XpHaWizard *self);

static void
on_vm_field_set (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  XpHaWizard *self = data;
  VmEntry *e = g_ptr_array_index (self->vms, self->step_vm);
  g_autoptr(GError) error = NULL;
  gboolean ok = self->step_field == 0
                ? xapi_vm_set_ha_restart_priority_finish (XAPI_CONNECTION (source), result, &error)
                : xapi_vm_set_order_finish (XAPI_CONNECTION (source), result, &error);

  if (!ok)
    {
      g_autofree char *why = xapi_error_describe (error, TRUE);

      self->failure = g_strdup_printf (self->step_field == 0
                                       ? _("Setting the restart priority of “%s” failed: %s "
                                           "High availability was not enabled.")
                                       : _("Setting the start order of “%s” failed: %s "
                                           "High availability was not enabled."),
                                       xapi_vm_get_name_label (e->vm), why);
      restore_vms (self);
      return;
    }
  if (self->step_field == 0)
    e->priority_set = TRUE;
  else
    e->order_set = TRUE;
  self->step_field++;
  apply_next (self);
}

/* Sets the changed priorities and orders one by one, then enables HA. */
static void
apply_next (XpHaWizard *self)
{
  for (; self->step_vm < self->vms->len; self->step_vm++, self->step_field = 0)
    {
      VmEntry *e = g_ptr_array_index (self->vms, self->step_vm);
      const char *ref = xapi_object_get_ref (XAPI_OBJECT (e->vm));

      if (self->step_field == 0)
        {
          if (g_strcmp0 (entry_priority (e), e->old_priority) != 0)
            {
              xapi_vm_set_ha_restart_priority_async (self->conn, ref, entry_priority (e), NULL,
                                                     on_vm_field_set, self);
              return;
            }
          self->step_field = 1;
        }
      if (self->step_field == 1 && gtk_spin_button_get_value_as_int (e->order) != e->old_order)
        {
          xapi_vm_set_order_async (self->conn, ref, gtk_spin_button_get_value_as_int (e->order), NULL,
                                   on_vm_field_set, self);
          return;
        }
    }
  enable_ha (self);
}

static void
start_enable (XpHaWizard *self)
{
  self->running = TRUE;
  g_clear_pointer (&self->failure, g_free);
  g_object_ref (self);  /* released in finish () */
  show_page (self, PAGE_PROGRESS);
  for (guint i = 0; i < self->vms->len; i++)
    {
      VmEntry *e = g_ptr_array_index (self->vms, i);

      e->priority_set = e->order_set = e->restore_failed = FALSE;
    }
  self->step_vm = 0;
  self->step_field = 0;
  gtk_label_set_text (self->status_label, _("Setting the restart priorities and start orders…"));
  apply_next (self);
}

static void
on_next (XpHaWizard *self)
{
  if (why_blocked (self) != NULL)
    return;
  if (self->page == PAGE_SUMMARY)
    start_enable (self);
  else
    show_page (self, self->page + 1);
}

static void
on_back (XpHaWizard *self)
{
  if (self->page > PAGE_SR && self->page < PAGE_PROGRESS)
    show_page (self, self->page - 1);
}

static void
on_cancel (XpHaWizard *self)
{
  if (!self->running)
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
  return XP_HA_WIZARD (window)->running;
}

/* ---- construction ---- */

static void
xp_ha_wizard_dispose (GObject *object)
{
  XpHaWizard *self = XP_HA_WIZARD (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (xp_ha_wizard_parent_class)->dispose (object);
}

static void
xp_ha_wizard_finalize (GObject *object)
{
  XpHaWizard *self = XP_HA_WIZARD (object);

  if (self->task != NULL)
    g_clear_signal_handler (&self->progress_id, self->task);
  g_clear_object (&self->task);
  g_clear_object (&self->conn);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->pool_ref, g_free);
  g_clear_pointer (&self->failure, g_free);
  g_clear_pointer (&self->vms, g_ptr_array_unref);
  G_OBJECT_CLASS (xp_ha_wizard_parent_class)->finalize (object);
}

static void
xp_ha_wizard_class_init (XpHaWizardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = xp_ha_wizard_dispose;
  object_class->finalize = xp_ha_wizard_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = on_close_request;

  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                           G_TYPE_STRING, G_TYPE_STRING);
}

static void
xp_ha_wizard_init (XpHaWizard *self)
{
  self->cancellable = g_cancellable_new ();
  self->max_failures = -1;
  self->vms = g_ptr_array_new_with_free_func (vm_entry_free);
}

GtkWindow *
xp_ha_wizard_new (GtkWindow      *parent,
                  XapiConnection *conn)
{
  XpHaWizard *self;
  GtkWidget *outer, *box, *buttons, *label, *scroller, *grid;
  XapiObject *pool;

  g_return_val_if_fail (XAPI_IS_CONNECTION (conn), NULL);

  self = g_object_new (XP_TYPE_HA_WIZARD,
                       "title", _("Configure High Availability"),
                       "transient-for", parent,
                       "default-width", 520,
                       "default-height", 440,
                       NULL);
  self->conn = g_object_ref (conn);
  pool = xapi_cache_get_pool (xapi_connection_get_cache (conn));
  self->pool_ref = pool != NULL ? g_strdup (xapi_object_get_ref (pool)) : NULL;

  outer = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_box_append (GTK_BOX (outer), GTK_WIDGET (self->stack));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_SR], _("Heartbeat SR"));
  label = gtk_label_new_with_mnemonic (_("_Storage for the heartbeat disk"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_box_append (GTK_BOX (box), label);
  self->sr_list = GTK_LIST_BOX (xp_wizard_named (gtk_list_box_new (), "sr-list"));
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), GTK_WIDGET (self->sr_list));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->sr_list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Storage for the heartbeat disk"), -1);
  scroller = gtk_scrolled_window_new ();
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->sr_list));
  gtk_box_append (GTK_BOX (box), scroller);

  box = xp_wizard_page_box (self->stack, page_names[PAGE_PRIORITIES], _("Restart priorities"));
  label = gtk_label_new (_("Choose what happens to each VM when its server fails, and the order in which the VMs "
                           "are started (lowest first).  Running VMs without a restart priority are proposed "
                           "“Restart”.  Nothing is changed until high availability is enabled."));
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_box_append (GTK_BOX (box), label);
  grid = gtk_grid_new ();
  gtk_widget_set_name (grid, "vm-grid");
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_widget_set_margin_end (grid, 12);
  scroller = gtk_scrolled_window_new ();
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), grid);
  gtk_box_append (GTK_BOX (box), scroller);

  box = xp_wizard_page_box (self->stack, page_names[PAGE_FAILURES], _("Failures to tolerate"));
  self->failures_spin = GTK_SPIN_BUTTON (xp_wizard_named (gtk_spin_button_new_with_range (0, 64, 1), "failures-spin"));
  label = gtk_label_new_with_mnemonic (_("Server _failures to tolerate"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), GTK_WIDGET (self->failures_spin));
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->failures_spin), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                  label, NULL, -1);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->failures_spin));
  self->max_label = GTK_LABEL (xp_wizard_named (gtk_label_new (""), "max-label"));
  gtk_label_set_xalign (self->max_label, 0);
  gtk_label_set_wrap (self->max_label, TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->max_label));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_SUMMARY], _("Summary"));
  self->summary_label = GTK_LABEL (xp_wizard_named (gtk_label_new (""), "summary-label"));
  gtk_label_set_wrap (self->summary_label, TRUE);
  gtk_label_set_xalign (self->summary_label, 0);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->summary_label));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_PROGRESS], _("Enabling"));
  self->status_label = GTK_LABEL (xp_wizard_named (gtk_label_new (""), "status-label"));
  gtk_label_set_wrap (self->status_label, TRUE);
  gtk_label_set_xalign (self->status_label, 0);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->status_label));
  self->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->progress), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Progress"), -1);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->progress));

  buttons = xp_wizard_button_bar (GTK_WINDOW (self), &self->hint_label, &self->cancel_button,
                                  &self->back_button, &self->next_button, G_CALLBACK (on_next),
                                  G_CALLBACK (on_back), G_CALLBACK (on_cancel), on_escape);
  gtk_box_append (GTK_BOX (outer), buttons);
  gtk_window_set_child (GTK_WINDOW (self), outer);

  fill_srs (self);
  fill_vms (self, GTK_GRID (grid));

  g_signal_connect_swapped (self->sr_list, "selected-rows-changed", G_CALLBACK (update_buttons), self);
  g_signal_connect_swapped (self->failures_spin, "value-changed", G_CALLBACK (update_buttons), self);

  self->page = PAGE_SR;
  update_buttons (self);
  return GTK_WINDOW (self);
}
