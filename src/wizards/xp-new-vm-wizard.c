/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The New VM wizard.  Pages: template, name, vCPUs and memory, summary.
 * Creation: VM.clone of the template, set_name_description, VM.provision,
 * the clone's VIFs replaced by one on the chosen network, vCPUs, the memory
 * fields one by one, optional VM.start.  On failure or cancel the
 * new VM and the disks that came with it are destroyed again. */

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "xp-new-vm-wizard.h"
#include "xp-wizard-util.h"
#include "xapi-cache.h"

#define MIB ((gint64) 1024 * 1024)

enum { PAGE_TEMPLATE, PAGE_NAME, PAGE_HARDWARE, PAGE_SUMMARY, PAGE_PROGRESS, N_PAGES };
static const char *page_names[N_PAGES] = { "template", "name", "hardware", "summary", "progress" };

struct _XpNewVmWizard
{
  GtkWindow       parent_instance;

  XapiConnection *conn;
  XapiVm         *preselected;
  int             page;

  GtkStack       *stack;
  GtkSearchEntry *search;
  GtkListBox     *template_list;
  GtkEntry       *name_entry;
  GtkEntry       *description_entry;
  GtkSpinButton  *vcpus_spin;
  GtkSpinButton  *memory_spin;
  GtkLabel       *memory_hint;
  GtkDropDown    *network_dropdown;
  GPtrArray      *network_refs;   /* parallel to the dropdown; [0] = no network */
  GtkLabel       *summary_label;
  GtkCheckButton *start_check;
  GtkLabel       *status_label;
  GtkProgressBar *progress;
  GtkLabel       *hint_label;
  GtkButton      *back_button;
  GtkButton      *next_button;
  GtkButton      *cancel_button;

  /* creation */
  GCancellable   *cancellable;
  gboolean        running;
  int             step;
  char           *vm_ref;
  GPtrArray      *rollback_vbds;  /* VBD refs to inspect */
  GPtrArray      *rollback_vdis;  /* VDI refs to destroy */
  GPtrArray      *old_vifs;       /* the clone's VIFs, replaced by the chosen network */
  char           *failure;
  char           *done_text;
};

G_DEFINE_FINAL_TYPE (XpNewVmWizard, xp_new_vm_wizard, GTK_TYPE_WINDOW)

enum { SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static XapiVm *
selected_template (XpNewVmWizard *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->template_list);

  return row != NULL ? g_object_get_data (G_OBJECT (row), "vm") : NULL;
}

static const char *
why_blocked (XpNewVmWizard *self)
{
  XapiVm *tmpl = selected_template (self);
  const char *name;

  if (self->running)
    return _("The VM is being created");
  if (xapi_connection_get_state (self->conn) != XAPI_CONNECTION_STATE_CONNECTED)
    return _("The server is not connected");
  switch (self->page)
    {
    case PAGE_TEMPLATE:
      if (tmpl == NULL)
        return _("Choose a template to continue");
      break;
    case PAGE_NAME:
      name = gtk_editable_get_text (GTK_EDITABLE (self->name_entry));
      {
        g_autofree char *copy = g_strdup (name != NULL ? name : "");
        if (*g_strstrip (copy) == '\0')
          return _("Enter a name for the new VM");
      }
      break;
    case PAGE_HARDWARE:
      if (tmpl != NULL)
        {
          gint64 mem = (gint64) gtk_spin_button_get_value (self->memory_spin) * MIB;
          gint64 min = xapi_vm_get_memory_static_min (tmpl);
          if (mem < min)
            return _("Memory is below the template's minimum");
        }
      break;
    default:
      break;
    }
  return NULL;
}

static void
update_buttons (XpNewVmWizard *self)
{
  const char *why = why_blocked (self);

  gtk_widget_set_sensitive (GTK_WIDGET (self->next_button), why == NULL && self->page < PAGE_PROGRESS);
  gtk_widget_set_sensitive (GTK_WIDGET (self->back_button), !self->running && self->page > PAGE_TEMPLATE
                            && self->page < PAGE_PROGRESS);
  gtk_label_set_text (self->hint_label, why != NULL && !self->running ? why : "");
  gtk_button_set_label (self->next_button, self->page == PAGE_SUMMARY ? _("_Create") : _("_Next"));
  gtk_button_set_use_underline (self->next_button, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->next_button), self->page < PAGE_PROGRESS);
  gtk_button_set_label (self->cancel_button, self->page == PAGE_PROGRESS && !self->running ? _("_Close") : _("_Cancel"));
  gtk_button_set_use_underline (self->cancel_button, TRUE);
}

static void
on_changed (XpNewVmWizard *self)
{
  update_buttons (self);
}

static gboolean
template_filter (GtkListBoxRow *row,
                 gpointer       data)
{
  XpNewVmWizard *self = data;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search));
  XapiVm *vm = g_object_get_data (G_OBJECT (row), "vm");
  g_autofree char *hay = NULL;
  g_autofree char *needle = NULL;

  if (text == NULL || *text == '\0')
    return TRUE;
  hay = g_utf8_casefold (xapi_vm_get_name_label (vm) ? xapi_vm_get_name_label (vm) : "", -1);
  needle = g_utf8_casefold (text, -1);
  return strstr (hay, needle) != NULL;
}

static void
on_search_changed (XpNewVmWizard *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->template_list);

  gtk_list_box_invalidate_filter (self->template_list);
  if (row != NULL && !template_filter (row, self))
    gtk_list_box_unselect_all (self->template_list);
  update_buttons (self);
}

static void
apply_template_defaults (XpNewVmWizard *self)
{
  XapiVm *tmpl = selected_template (self);
  gint64 min, max;

  if (tmpl == NULL)
    return;
  min = MAX (xapi_vm_get_memory_static_min (tmpl) / MIB, 1);
  max = MAX (xapi_vm_get_memory_static_max (tmpl) / MIB, min);
  gtk_spin_button_set_range (self->memory_spin, (double) min, 1024.0 * 1024.0);
  gtk_spin_button_set_value (self->memory_spin, (double) max);
  gtk_spin_button_set_range (self->vcpus_spin, 1, MAX (xapi_vm_get_vcpus_max (tmpl), 64));
  gtk_spin_button_set_value (self->vcpus_spin, (double) MAX (xapi_vm_get_vcpus_at_startup (tmpl), 1));
  {
    g_autofree char *hint = g_strdup_printf (_("The template needs at least %" G_GINT64_FORMAT " MiB"), min);
    gtk_label_set_text (self->memory_hint, hint);
  }
  /* the network of the template's first VIF, else the first network */
  {
    XapiCache *cache = xapi_connection_get_cache (self->conn);
    g_autoptr(GPtrArray) vifs = xapi_cache_follow_set (cache, XAPI_OBJECT (tmpl), "VIFs");
    const char *want = vifs->len > 0 ? xapi_vif_get_network (g_ptr_array_index (vifs, 0)) : NULL;
    guint pick = self->network_refs->len > 1 ? 1 : 0;

    for (guint i = 1; want != NULL && i < self->network_refs->len; i++)
      if (g_strcmp0 (g_ptr_array_index (self->network_refs, i), want) == 0)
        pick = i;
    gtk_drop_down_set_selected (self->network_dropdown, pick);
  }
  if (*gtk_editable_get_text (GTK_EDITABLE (self->name_entry)) == '\0')
    {
      g_autofree char *name = g_strdup_printf (_("New VM (%s)"), xapi_vm_get_name_label (tmpl));
      gtk_editable_set_text (GTK_EDITABLE (self->name_entry), name);
    }
}

static void
update_summary (XpNewVmWizard *self)
{
  XapiVm *tmpl = selected_template (self);
  g_autofree char *text = NULL;

  GtkStringObject *net = gtk_drop_down_get_selected_item (self->network_dropdown);

  text = g_strdup_printf (_("A VM named “%s” will be created from the template “%s” with %d vCPUs "
                            "and %d MiB of memory. Its disks are provisioned as the template specifies. "
                            "Network: %s."),
                          gtk_editable_get_text (GTK_EDITABLE (self->name_entry)),
                          tmpl != NULL ? xapi_vm_get_name_label (tmpl) : "",
                          gtk_spin_button_get_value_as_int (self->vcpus_spin),
                          gtk_spin_button_get_value_as_int (self->memory_spin),
                          net != NULL ? gtk_string_object_get_string (net) : "");
  gtk_label_set_text (self->summary_label, text);
}

static void
show_page (XpNewVmWizard *self,
           int            page)
{
  self->page = page;
  if (page == PAGE_SUMMARY)
    update_summary (self);
  gtk_stack_set_visible_child_name (self->stack, page_names[page]);
  update_buttons (self);
}

/* ---- creation ---- */

static void run_step (XpNewVmWizard *self);
static void rollback_next (XpNewVmWizard *self);

static void
finish (XpNewVmWizard *self)
{
  self->running = FALSE;
  gtk_progress_bar_set_fraction (self->progress, 1.0);
  if (self->failure != NULL)
    gtk_label_set_text (self->status_label, self->failure);
  else
    gtk_label_set_text (self->status_label, self->done_text);
  update_buttons (self);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0,
                 self->failure == NULL ? self->vm_ref : NULL, self->failure);
  g_object_unref (self);
}

static void
call (XpNewVmWizard      *self,
      const char         *method,
      JsonArray          *params,
      GCancellable       *cancellable,
      GAsyncReadyCallback cb)
{
  xapi_connection_call_async (self->conn, method, params, cancellable, cb, self);
}

static JsonArray *
params_ref (const char *ref)
{
  JsonArray *p = json_array_new ();

  json_array_add_string_element (p, ref);
  return p;
}

static void
on_rollback_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  XpNewVmWizard *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = xapi_connection_call_finish (self->conn, result, &error);

  if (error != NULL)
    g_warning ("rollback step failed: %s", error->message);
  rollback_next (self);
}

static void
on_vbd_record (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  XpNewVmWizard *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = xapi_connection_call_finish (self->conn, result, &error);

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *o = json_node_get_object (node);
      const char *type = json_object_get_string_member_with_default (o, "type", "");
      const char *vdi = json_object_get_string_member_with_default (o, "VDI", "OpaqueRef:NULL");

      if (g_strcmp0 (type, "Disk") == 0 && g_strcmp0 (vdi, "OpaqueRef:NULL") != 0)
        g_ptr_array_add (self->rollback_vdis, g_strdup (vdi));
    }
  rollback_next (self);
}

static void
on_vbds (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  XpNewVmWizard *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = xapi_connection_call_finish (self->conn, result, &error);

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (a); i++)
        g_ptr_array_add (self->rollback_vbds, g_strdup (json_array_get_string_element (a, i)));
    }
  rollback_next (self);
}

/* Order: list VBDs, read each VBD, destroy each disk VDI, destroy the VM. */
static void
rollback_next (XpNewVmWizard *self)
{
  if (self->rollback_vbds == NULL)
    {
      self->rollback_vbds = g_ptr_array_new_with_free_func (g_free);
      self->rollback_vdis = g_ptr_array_new_with_free_func (g_free);
      call (self, "VM.get_VBDs", params_ref (self->vm_ref), NULL, on_vbds);
      return;
    }
  if (self->rollback_vbds->len > 0)
    {
      g_autofree char *vbd = g_ptr_array_steal_index (self->rollback_vbds, 0);
      call (self, "VBD.get_record", params_ref (vbd), NULL, on_vbd_record);
      return;
    }
  if (self->rollback_vdis->len > 0)
    {
      g_autofree char *vdi = g_ptr_array_steal_index (self->rollback_vdis, 0);
      call (self, "VDI.destroy", params_ref (vdi), NULL, on_rollback_done);
      return;
    }
  if (self->vm_ref != NULL)
    {
      g_autofree char *vm = g_steal_pointer (&self->vm_ref);
      call (self, "VM.destroy", params_ref (vm), NULL, on_rollback_done);
      return;
    }
  finish (self);
}

static void
fail (XpNewVmWizard *self,
      const char    *what,
      GError        *error)
{
  gboolean cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  if (self->vm_ref == NULL)
    self->failure = g_strdup_printf (cancelled ? _("Cancelled while %s. Nothing was created.")
                                               : _("Failed while %s: %s. Nothing was created."),
                                     what, error->message);
  else
    self->failure = g_strdup_printf (cancelled ? _("Cancelled while %s. The partly created VM and its disks were removed again.")
                                               : _("Failed while %s: %s. The partly created VM and its disks were removed again."),
                                     what, error->message);
  gtk_label_set_text (self->status_label, _("Removing what was created…"));
  rollback_next (self);
}

enum {
  STEP_CLONE,
  STEP_DESCRIPTION,
  STEP_PROVISION,
  STEP_LIST_VIFS,
  STEP_DESTROY_VIFS,
  STEP_CREATE_VIF,
  STEP_VCPUS_1,
  STEP_VCPUS_2,
  STEP_MEMORY_1,
  STEP_MEMORY_2,
  STEP_MEMORY_3,
  STEP_UNTEMPLATE,
  STEP_START,
  N_STEPS
};

static const char *
step_description (int step)
{
  switch (step)
    {
    case STEP_CLONE: return _("cloning the template");
    case STEP_DESCRIPTION: return _("setting the description");
    case STEP_PROVISION: return _("provisioning the disks");
    case STEP_LIST_VIFS:
    case STEP_DESTROY_VIFS:
    case STEP_CREATE_VIF: return _("connecting the network");
    case STEP_VCPUS_1:
    case STEP_VCPUS_2: return _("setting the vCPUs");
    case STEP_MEMORY_1:
    case STEP_MEMORY_2:
    case STEP_MEMORY_3: return _("setting the memory");
    case STEP_UNTEMPLATE: return _("turning the clone into a VM");
    case STEP_START: return _("starting the VM");
    default: return "";
    }
}

/* The memory fields one at a time, in an order that keeps
 * static_min <= dynamic_min <= dynamic_max <= static_max after each call:
 * growing raises static_max first, shrinking lowers dynamic_min first. */
static const char *
memory_setter (int      step,
               gboolean growing)
{
  static const char *grow[] = { "VM.set_memory_static_max", "VM.set_memory_dynamic_max",
                                "VM.set_memory_dynamic_min" };
  static const char *shrink[] = { "VM.set_memory_dynamic_min", "VM.set_memory_dynamic_max",
                                  "VM.set_memory_static_max" };

  return growing ? grow[step - STEP_MEMORY_1] : shrink[step - STEP_MEMORY_1];
}

static void
on_step_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  XpNewVmWizard *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = xapi_connection_call_finish (self->conn, result, &error);

  if (error == NULL && g_cancellable_is_cancelled (self->cancellable))
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
  if (error == NULL && self->step == STEP_CLONE)
    {
      if (node != NULL && JSON_NODE_HOLDS_VALUE (node))
        self->vm_ref = g_strdup (json_node_get_string (node));
      else
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, _("no VM reference returned"));
    }
  if (error == NULL && self->step == STEP_LIST_VIFS && node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (a); i++)
        g_ptr_array_add (self->old_vifs, g_strdup (json_array_get_string_element (a, i)));
    }
  if (error != NULL)
    {
      fail (self, step_description (self->step), error);
      return;
    }
  if (self->step != STEP_DESTROY_VIFS || self->old_vifs->len == 0)
    self->step++;
  run_step (self);
}

static void
run_step (XpNewVmWizard *self)
{
  XapiVm *tmpl = selected_template (self);
  JsonArray *p;
  gint64 vcpus = gtk_spin_button_get_value_as_int (self->vcpus_spin);
  gint64 mem = (gint64) gtk_spin_button_get_value (self->memory_spin) * MIB;
  gint64 cur = xapi_vm_get_vcpus_at_startup (tmpl);
  const char *method = NULL;

  gtk_progress_bar_set_fraction (self->progress, (double) self->step / N_STEPS);
  {
    g_autofree char *status = g_strdup_printf (_("Now %s…"), step_description (self->step));
    gtk_label_set_text (self->status_label, status);
  }
  switch (self->step)
    {
    case STEP_CLONE:
      p = params_ref (xapi_object_get_ref (XAPI_OBJECT (tmpl)));
      json_array_add_string_element (p, gtk_editable_get_text (GTK_EDITABLE (self->name_entry)));
      method = "VM.clone";
      break;
    case STEP_DESCRIPTION:
      p = params_ref (self->vm_ref);
      json_array_add_string_element (p, gtk_editable_get_text (GTK_EDITABLE (self->description_entry)));
      method = "VM.set_name_description";
      break;
    case STEP_PROVISION:
      p = params_ref (self->vm_ref);
      method = "VM.provision";
      break;
    case STEP_LIST_VIFS:
      p = params_ref (self->vm_ref);
      method = "VM.get_VIFs";
      break;
    case STEP_DESTROY_VIFS:
      if (self->old_vifs->len == 0)
        {
          self->step++;
          run_step (self);
          return;
        }
      {
        g_autofree char *vif = g_ptr_array_steal_index (self->old_vifs, 0);
        p = params_ref (vif);
      }
      method = "VIF.destroy";
      break;
    case STEP_CREATE_VIF:
      {
        guint n = gtk_drop_down_get_selected (self->network_dropdown);
        JsonObject *rec;

        if (n == 0 || n >= self->network_refs->len)
          {
            self->step++;
            run_step (self);
            return;
          }
        rec = json_object_new ();
        json_object_set_string_member (rec, "device", "0");
        json_object_set_string_member (rec, "network", g_ptr_array_index (self->network_refs, n));
        json_object_set_string_member (rec, "VM", self->vm_ref);
        json_object_set_string_member (rec, "MAC", "");
        json_object_set_int_member (rec, "MTU", 1500);
        json_object_set_object_member (rec, "other_config", json_object_new ());
        json_object_set_string_member (rec, "qos_algorithm_type", "");
        json_object_set_object_member (rec, "qos_algorithm_params", json_object_new ());
        p = json_array_new ();
        json_array_add_object_element (p, rec);
      }
      method = "VIF.create";
      break;
    case STEP_VCPUS_1: /* raise max first when growing, lower startup first when shrinking */
    case STEP_VCPUS_2:
      p = params_ref (self->vm_ref);
      json_array_add_int_element (p, vcpus);
      method = ((self->step == STEP_VCPUS_1) == (vcpus >= cur)) ? "VM.set_VCPUs_max" : "VM.set_VCPUs_at_startup";
      break;
    case STEP_MEMORY_1:
    case STEP_MEMORY_2:
    case STEP_MEMORY_3:
      p = params_ref (self->vm_ref);
      json_array_add_int_element (p, mem);
      method = memory_setter (self->step, mem >= xapi_vm_get_memory_static_max (tmpl));
      break;
    case STEP_UNTEMPLATE:
      p = params_ref (self->vm_ref);
      json_array_add_boolean_element (p, FALSE);
      method = "VM.set_is_a_template";
      break;
    case STEP_START:
      if (!gtk_check_button_get_active (self->start_check))
        {
          self->step++;
          run_step (self);
          return;
        }
      p = params_ref (self->vm_ref);
      json_array_add_boolean_element (p, FALSE);
      json_array_add_boolean_element (p, FALSE);
      method = "VM.start";
      break;
    default:
      self->done_text = g_strdup_printf (_("The VM “%s” was created."),
                                         gtk_editable_get_text (GTK_EDITABLE (self->name_entry)));
      finish (self);
      return;
    }
  /* Not cancelled in flight: a dropped reply would lose the ref of what the
   * server made.  Cancel takes effect when the running step answers. */
  call (self, method, p, NULL, on_step_done);
}

static void
start_creation (XpNewVmWizard *self)
{
  self->running = TRUE;
  self->step = 0;
  g_ptr_array_set_size (self->old_vifs, 0);
  g_clear_pointer (&self->failure, g_free);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_object_ref (self);  /* released in finish () */
  show_page (self, PAGE_PROGRESS);
  run_step (self);
}

static void
on_next (XpNewVmWizard *self)
{
  if (why_blocked (self) != NULL)
    return;
  if (self->page == PAGE_TEMPLATE)
    apply_template_defaults (self);
  if (self->page == PAGE_SUMMARY)
    start_creation (self);
  else
    show_page (self, self->page + 1);
}

static void
on_back (XpNewVmWizard *self)
{
  if (self->page > PAGE_TEMPLATE && self->page < PAGE_PROGRESS)
    show_page (self, self->page - 1);
}

static void
on_cancel (XpNewVmWizard *self)
{
  if (self->running)
    g_cancellable_cancel (self->cancellable);
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
  XpNewVmWizard *self = XP_NEW_VM_WIZARD (window);

  if (self->running)
    {
      g_cancellable_cancel (self->cancellable);
      return TRUE;  /* closes via the Close button once rolled back */
    }
  return FALSE;
}

/* ---- construction ---- */

static GtkWidget *
labelled (GtkWidget  *box,
          const char *text,
          GtkWidget  *widget)
{
  GtkWidget *label = gtk_label_new_with_mnemonic (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), widget);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), widget);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL, -1);
  return widget;
}

static void
fill_templates (XpNewVmWizard *self)
{
  GListModel *vms = xapi_cache_get_objects (xapi_connection_get_cache (self->conn), XAPI_TYPE_VM);
  guint n = g_list_model_get_n_items (vms);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);
      GtkWidget *row, *label;

      if (!xapi_vm_get_is_a_template (vm) || xapi_vm_get_is_a_snapshot (vm))
        continue;
      label = gtk_label_new (xapi_vm_get_name_label (vm));
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_set_margin_top (label, 4);
      gtk_widget_set_margin_bottom (label, 4);
      row = gtk_list_box_row_new ();
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      xapi_vm_get_name_label (vm), -1);
      g_object_set_data_full (G_OBJECT (row), "vm", g_object_ref (vm), g_object_unref);
      gtk_list_box_append (self->template_list, row);
      if (self->preselected == vm)
        gtk_list_box_select_row (self->template_list, GTK_LIST_BOX_ROW (row));
    }
}

static void
xp_new_vm_wizard_dispose (GObject *object)
{
  XpNewVmWizard *self = XP_NEW_VM_WIZARD (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (xp_new_vm_wizard_parent_class)->dispose (object);
}

static void
xp_new_vm_wizard_finalize (GObject *object)
{
  XpNewVmWizard *self = XP_NEW_VM_WIZARD (object);

  g_clear_object (&self->conn);
  g_clear_object (&self->preselected);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->vm_ref, g_free);
  g_clear_pointer (&self->rollback_vbds, g_ptr_array_unref);
  g_clear_pointer (&self->rollback_vdis, g_ptr_array_unref);
  g_clear_pointer (&self->old_vifs, g_ptr_array_unref);
  g_clear_pointer (&self->network_refs, g_ptr_array_unref);
  g_clear_pointer (&self->failure, g_free);
  g_clear_pointer (&self->done_text, g_free);
  G_OBJECT_CLASS (xp_new_vm_wizard_parent_class)->finalize (object);
}

static void
xp_new_vm_wizard_class_init (XpNewVmWizardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = xp_new_vm_wizard_dispose;
  object_class->finalize = xp_new_vm_wizard_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = on_close_request;

  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                           G_TYPE_STRING, G_TYPE_STRING);
}

static void
xp_new_vm_wizard_init (XpNewVmWizard *self)
{
  self->old_vifs = g_ptr_array_new_with_free_func (g_free);
  self->network_refs = g_ptr_array_new_with_free_func (g_free);
}

/* The pool's networks, "No network" first. */
static GtkDropDown *
network_dropdown_new (XpNewVmWizard *self)
{
  GListModel *nets = xapi_cache_get_objects (xapi_connection_get_cache (self->conn), XAPI_TYPE_NETWORK);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  gtk_string_list_append (names, _("No network interface"));
  g_ptr_array_add (self->network_refs, NULL);
  for (guint i = 0; i < g_list_model_get_n_items (nets); i++)
    {
      g_autoptr(XapiNetwork) net = g_list_model_get_item (nets, i);

      if (xapi_object_is_gone (XAPI_OBJECT (net)))
        continue;
      gtk_string_list_append (names, xapi_network_get_name_label (net));
      g_ptr_array_add (self->network_refs, g_strdup (xapi_object_get_ref (XAPI_OBJECT (net))));
    }
  return GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&names)), NULL));
}

GtkWindow *
xp_new_vm_wizard_new (GtkWindow      *parent,
                      XapiConnection *conn,
                      XapiVm         *template_or_null)
{
  XpNewVmWizard *self;
  GtkWidget *outer, *box, *scroller, *buttons;

  g_return_val_if_fail (XAPI_IS_CONNECTION (conn), NULL);

  self = g_object_new (XP_TYPE_NEW_VM_WIZARD,
                       "title", _("New VM"),
                       "transient-for", parent,
                       "default-width", 560,
                       "default-height", 480,
                       NULL);
  self->conn = g_object_ref (conn);
  self->preselected = template_or_null != NULL ? g_object_ref (template_or_null) : NULL;

  outer = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_box_append (GTK_BOX (outer), GTK_WIDGET (self->stack));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_TEMPLATE], _("Template"));
  self->search = GTK_SEARCH_ENTRY (xp_wizard_named (gtk_search_entry_new (), "template-search"));
  labelled (box, _("_Search templates"), GTK_WIDGET (self->search));
  self->template_list = GTK_LIST_BOX (xp_wizard_named (gtk_list_box_new (), "template-list"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->template_list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Templates"), -1);
  gtk_list_box_set_filter_func (self->template_list, template_filter, self, NULL);
  scroller = gtk_scrolled_window_new ();
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->template_list));
  gtk_box_append (GTK_BOX (box), scroller);

  box = xp_wizard_page_box (self->stack, page_names[PAGE_NAME], _("Name"));
  self->name_entry = GTK_ENTRY (xp_wizard_named (gtk_entry_new (), "name-entry"));
  labelled (box, _("_Name"), GTK_WIDGET (self->name_entry));
  gtk_entry_set_activates_default (self->name_entry, TRUE);
  self->description_entry = GTK_ENTRY (xp_wizard_named (gtk_entry_new (), "description-entry"));
  labelled (box, _("_Description"), GTK_WIDGET (self->description_entry));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_HARDWARE], _("CPU and memory"));
  self->vcpus_spin = GTK_SPIN_BUTTON (xp_wizard_named (gtk_spin_button_new_with_range (1, 64, 1), "vcpus-spin"));
  labelled (box, _("_vCPUs"), GTK_WIDGET (self->vcpus_spin));
  self->memory_spin = GTK_SPIN_BUTTON (xp_wizard_named (gtk_spin_button_new_with_range (1, 1024 * 1024, 256), "memory-spin"));
  labelled (box, _("_Memory (MiB)"), GTK_WIDGET (self->memory_spin));
  self->memory_hint = GTK_LABEL (gtk_label_new (""));
  gtk_label_set_xalign (self->memory_hint, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->memory_hint), "dim-label");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->memory_hint));
  self->network_dropdown = GTK_DROP_DOWN (xp_wizard_named (GTK_WIDGET (network_dropdown_new (self)), "network-dropdown"));
  labelled (box, _("N_etwork"), GTK_WIDGET (self->network_dropdown));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_SUMMARY], _("Summary"));
  self->summary_label = GTK_LABEL (xp_wizard_named (gtk_label_new (""), "summary-label"));
  gtk_label_set_wrap (self->summary_label, TRUE);
  gtk_label_set_xalign (self->summary_label, 0);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->summary_label));
  self->start_check = GTK_CHECK_BUTTON (xp_wizard_named (gtk_check_button_new_with_mnemonic (_("_Start the VM when it is created")),
                                               "start-check"));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->start_check));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_PROGRESS], _("Creating"));
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

  fill_templates (self);

  g_signal_connect_swapped (self->search, "search-changed", G_CALLBACK (on_search_changed), self);
  g_signal_connect_swapped (self->template_list, "selected-rows-changed", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->name_entry, "changed", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->memory_spin, "value-changed", G_CALLBACK (on_changed), self);

  self->page = PAGE_TEMPLATE;
  update_buttons (self);
  return GTK_WINDOW (self);
}
