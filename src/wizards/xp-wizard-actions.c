/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The "wiz" action group: opens wizards for the current selection. */

#include "config.h"

#include <glib/gi18n.h>

#include "xp-wizard-actions.h"
#include "xp-new-vm-wizard.h"
#include "xp-migrate-wizard.h"
#include "xp-new-network-wizard.h"
#include "xp-new-sr-wizard.h"
#include "xp-ha-wizard.h"
#include "xp-export-wizard.h"
#include "xp-import-wizard.h"
#include "xapi-cache.h"
#include "xapi-object.h"

struct _XpWizardActions
{
  GObject             parent_instance;

  GtkWindow          *parent;      /* weak */
  GListModel         *connections;
  GSimpleActionGroup *group;
  GPtrArray          *selection;   /* XapiObject */
};

G_DEFINE_FINAL_TYPE (XpWizardActions, xp_wizard_actions, G_TYPE_OBJECT)

enum { SIGNAL_TOAST, SIGNAL_SELECT, N_SIGNALS };
static guint signals[N_SIGNALS];

/* Wizards that are not written yet stay disabled. */
static const char *const action_names[] = {
  "new-vm", "migrate", "new-sr", "new-network", "ha", "import", "export", "properties",
};

static XapiConnection *
current_connection (XpWizardActions *self)
{
  XapiConnection *found = NULL;
  guint n_connected = 0;

  if (self->selection != NULL && self->selection->len > 0)
    {
      XapiConnection *conn = xapi_object_get_connection (g_ptr_array_index (self->selection, 0));
      if (conn != NULL && xapi_connection_get_state (conn) == XAPI_CONNECTION_STATE_CONNECTED)
        return conn;
    }
  if (self->connections == NULL)
    return NULL;
  for (guint i = 0; i < g_list_model_get_n_items (self->connections); i++)
    {
      g_autoptr(XapiConnection) conn = g_list_model_get_item (self->connections, i);
      if (xapi_connection_get_state (conn) == XAPI_CONNECTION_STATE_CONNECTED)
        {
          found = conn;
          n_connected++;
        }
    }
  return n_connected == 1 ? found : NULL;
}

/* The one selected VM when it is running on a connected pool, else NULL. */
static XapiVm *
migratable_vm (XpWizardActions *self)
{
  XapiVm *vm;
  XapiConnection *conn;

  if (self->selection == NULL || self->selection->len != 1 || !XAPI_IS_VM (g_ptr_array_index (self->selection, 0)))
    return NULL;
  vm = g_ptr_array_index (self->selection, 0);
  conn = xapi_object_get_connection (XAPI_OBJECT (vm));
  if (conn == NULL || xapi_connection_get_state (conn) != XAPI_CONNECTION_STATE_CONNECTED
      || xapi_vm_get_is_a_template (vm) || xapi_vm_get_is_a_snapshot (vm))
    return NULL;
  if (xapi_vm_get_power_state (vm) == XAPI_VM_POWER_STATE_RUNNING)
    return vm;
  /* a shut down VM can only move to another pool */
  for (guint i = 0; xapi_vm_get_power_state (vm) == XAPI_VM_POWER_STATE_HALTED && self->connections != NULL
                    && i < g_list_model_get_n_items (self->connections); i++)
    {
      g_autoptr(XapiConnection) other = g_list_model_get_item (self->connections, i);

      if (other != conn && xapi_connection_get_state (other) == XAPI_CONNECTION_STATE_CONNECTED)
        return vm;
    }
  return NULL;
}

/* The one selected VM (not a template or snapshot) on a connected pool;
 * whether it can be exported now is the wizard's to explain. */
static XapiVm *
exportable_vm (XpWizardActions *self)
{
  XapiVm *vm;
  XapiConnection *conn;

  if (self->selection == NULL || self->selection->len != 1 || !XAPI_IS_VM (g_ptr_array_index (self->selection, 0)))
    return NULL;
  vm = g_ptr_array_index (self->selection, 0);
  conn = xapi_object_get_connection (XAPI_OBJECT (vm));
  if (conn == NULL || xapi_connection_get_state (conn) != XAPI_CONNECTION_STATE_CONNECTED
      || xapi_vm_get_is_a_template (vm) || xapi_vm_get_is_a_snapshot (vm) || xapi_vm_get_is_control_domain (vm))
    return NULL;
  return vm;
}

static void
set_enabled (XpWizardActions *self,
             const char      *name,
             gboolean         enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->group), name);

  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

/* The current connection when its pool does not run HA yet. */
static XapiConnection *
ha_connection (XpWizardActions *self)
{
  XapiConnection *conn = current_connection (self);
  XapiObject *pool = conn != NULL ? xapi_cache_get_pool (xapi_connection_get_cache (conn)) : NULL;

  return pool != NULL && !xapi_pool_get_ha_enabled (XAPI_POOL (pool)) ? conn : NULL;
}

static void
update_enabled (XpWizardActions *self)
{
  set_enabled (self, "new-vm", current_connection (self) != NULL);
  set_enabled (self, "new-network", current_connection (self) != NULL);
  set_enabled (self, "new-sr", current_connection (self) != NULL);
  set_enabled (self, "ha", ha_connection (self) != NULL);
  set_enabled (self, "migrate", migratable_vm (self) != NULL);
  set_enabled (self, "import", current_connection (self) != NULL);
  set_enabled (self, "export", exportable_vm (self) != NULL);
}

/* Every wizard ends with "finished" (result ref, error or NULL): say how it
 * went, and refresh what the actions allow (HA may be on now). */
static void
on_wizard_finished (GtkWindow       *wizard,
                    const char      *ref,
                    const char      *error,
                    XpWizardActions *self)
{
  const char *done = g_object_get_data (G_OBJECT (wizard), "xp-done-message");

  g_signal_emit (self, signals[SIGNAL_TOAST], 0, error != NULL ? error : done);
  update_enabled (self);
}

static void
present_wizard (XpWizardActions *self,
                GtkWindow       *wizard,
                const char      *done_message)
{
  g_object_set_data (G_OBJECT (wizard), "xp-done-message", (gpointer) done_message);
  g_signal_connect_object (wizard, "finished", G_CALLBACK (on_wizard_finished), self, 0);
  gtk_window_present (wizard);
}

static void
on_new_vm (GSimpleAction *action,
           GVariant      *param,
           gpointer       data)
{
  XpWizardActions *self = data;
  XapiConnection *conn = current_connection (self);
  XapiVm *tmpl = NULL;
  GtkWindow *wizard;

  if (conn == NULL)
    return;
  if (self->selection != NULL && self->selection->len == 1
      && XAPI_IS_VM (g_ptr_array_index (self->selection, 0))
      && xapi_vm_get_is_a_template (g_ptr_array_index (self->selection, 0)))
    tmpl = g_ptr_array_index (self->selection, 0);
  wizard = xp_new_vm_wizard_new (self->parent, conn, tmpl);
  present_wizard (self, wizard, _("The new VM was created"));
}

static void
on_migrate (GSimpleAction *action,
            GVariant      *param,
            gpointer       data)
{
  XpWizardActions *self = data;
  XapiVm *vm = migratable_vm (self);
  GtkWindow *wizard;

  if (vm == NULL)
    return;
  wizard = xp_migrate_wizard_new_full (self->parent, vm, self->connections, NULL);
  present_wizard (self, wizard, _("The VM was migrated"));
}

GtkWindow *
xp_wizard_actions_migrate_to (XpWizardActions *self,
                              XapiVm          *vm,
                              XapiHost        *host)
{
  GtkWindow *wizard;

  g_return_val_if_fail (XP_IS_WIZARD_ACTIONS (self), NULL);
  g_return_val_if_fail (XAPI_IS_VM (vm) && XAPI_IS_HOST (host), NULL);

  wizard = xp_migrate_wizard_new_full (self->parent, vm, self->connections, host);
  present_wizard (self, wizard, _("The VM was migrated"));
  return wizard;
}

static void
on_new_network (GSimpleAction *action,
                GVariant      *param,
                gpointer       data)
{
  XpWizardActions *self = data;
  XapiConnection *conn = current_connection (self);
  GtkWindow *wizard;

  if (conn == NULL)
    return;
  wizard = xp_new_network_wizard_new (self->parent, conn);
  present_wizard (self, wizard, _("The network was created"));
}

static void
on_new_sr (GSimpleAction *action,
           GVariant      *param,
           gpointer       data)
{
  XpWizardActions *self = data;
  XapiConnection *conn = current_connection (self);
  GtkWindow *wizard;

  if (conn == NULL)
    return;
  wizard = xp_new_sr_wizard_new (self->parent, conn);
  present_wizard (self, wizard, _("The storage was created"));
}

static void
on_ha (GSimpleAction *action,
       GVariant      *param,
       gpointer       data)
{
  XpWizardActions *self = data;
  XapiConnection *conn = ha_connection (self);
  GtkWindow *wizard;

  if (conn == NULL)
    return;
  wizard = xp_ha_wizard_new (self->parent, conn);
  present_wizard (self, wizard, _("High availability is enabled"));
}

static void
on_export (GSimpleAction *action,
           GVariant      *param,
           gpointer       data)
{
  XpWizardActions *self = data;
  XapiVm *vm = exportable_vm (self);
  GtkWindow *wizard;

  if (vm == NULL)
    return;
  wizard = xp_export_wizard_new (self->parent, vm);
  present_wizard (self, wizard, _("The VM was exported"));
}

/* The imported VM becomes the selection. */
static void
on_import_finished (GtkWindow       *wizard,
                    const char      *ref,
                    const char      *error,
                    XpWizardActions *self)
{
  XapiConnection *conn = g_object_get_data (G_OBJECT (wizard), "xp-connection");
  XapiObject *vm = ref != NULL && conn != NULL ? xapi_cache_lookup (xapi_connection_get_cache (conn), ref) : NULL;

  if (vm != NULL)
    g_signal_emit (self, signals[SIGNAL_SELECT], 0, vm);
}

static void
on_import (GSimpleAction *action,
           GVariant      *param,
           gpointer       data)
{
  XpWizardActions *self = data;
  XapiConnection *conn = current_connection (self);
  GtkWindow *wizard;

  if (conn == NULL)
    return;
  wizard = xp_import_wizard_new (self->parent, conn);
  g_object_set_data_full (G_OBJECT (wizard), "xp-connection", g_object_ref (conn), g_object_unref);
  g_signal_connect_object (wizard, "finished", G_CALLBACK (on_import_finished), self, 0);
  present_wizard (self, wizard, _("The VM was imported"));
}

static void
on_not_ready (GSimpleAction *action,
              GVariant      *param,
              gpointer       data)
{
}

static void
on_connection_state (XpWizardActions *self)
{
  update_enabled (self);
}

static void
on_connections_changed (GListModel      *model,
                        guint            position,
                        guint            removed,
                        guint            added,
                        XpWizardActions *self)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(XapiConnection) conn = g_list_model_get_item (model, i);
      g_signal_connect_object (conn, "notify::state", G_CALLBACK (on_connection_state), self,
                               G_CONNECT_SWAPPED);
    }
  update_enabled (self);
}

static void
xp_wizard_actions_finalize (GObject *object)
{
  XpWizardActions *self = XP_WIZARD_ACTIONS (object);

  g_clear_weak_pointer (&self->parent);
  g_clear_object (&self->connections);
  g_clear_object (&self->group);
  g_clear_pointer (&self->selection, g_ptr_array_unref);
  G_OBJECT_CLASS (xp_wizard_actions_parent_class)->finalize (object);
}

static void
xp_wizard_actions_class_init (XpWizardActionsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = xp_wizard_actions_finalize;
  signals[SIGNAL_TOAST] = g_signal_new ("toast", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* "select" (XapiObject *object): a wizard made this object; show it */
  signals[SIGNAL_SELECT] = g_signal_new ("select", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, XAPI_TYPE_OBJECT);
}

static void
xp_wizard_actions_init (XpWizardActions *self)
{
  self->group = g_simple_action_group_new ();
  for (guint i = 0; i < G_N_ELEMENTS (action_names); i++)
    {
      g_autoptr(GSimpleAction) action = g_simple_action_new (action_names[i], NULL);
      if (g_str_equal (action_names[i], "new-vm"))
        g_signal_connect (action, "activate", G_CALLBACK (on_new_vm), self);
      else if (g_str_equal (action_names[i], "migrate"))
        g_signal_connect (action, "activate", G_CALLBACK (on_migrate), self);
      else if (g_str_equal (action_names[i], "new-network"))
        g_signal_connect (action, "activate", G_CALLBACK (on_new_network), self);
      else if (g_str_equal (action_names[i], "new-sr"))
        g_signal_connect (action, "activate", G_CALLBACK (on_new_sr), self);
      else if (g_str_equal (action_names[i], "ha"))
        g_signal_connect (action, "activate", G_CALLBACK (on_ha), self);
      else if (g_str_equal (action_names[i], "export"))
        g_signal_connect (action, "activate", G_CALLBACK (on_export), self);
      else if (g_str_equal (action_names[i], "import"))
        g_signal_connect (action, "activate", G_CALLBACK (on_import), self);
      else
        g_signal_connect (action, "activate", G_CALLBACK (on_not_ready), self);
      g_simple_action_set_enabled (action, FALSE);
      g_action_map_add_action (G_ACTION_MAP (self->group), G_ACTION (action));
    }
}

XpWizardActions *
xp_wizard_actions_new (GtkWindow  *parent,
                       GListModel *connections)
{
  XpWizardActions *self = g_object_new (XP_TYPE_WIZARD_ACTIONS, NULL);

  g_set_weak_pointer (&self->parent, parent);
  if (connections != NULL)
    {
      self->connections = g_object_ref (connections);
      g_signal_connect_object (connections, "items-changed", G_CALLBACK (on_connections_changed), self, 0);
      on_connections_changed (connections, 0, 0, g_list_model_get_n_items (connections), self);
    }
  return self;
}

GActionGroup *
xp_wizard_actions_get_group (XpWizardActions *self)
{
  g_return_val_if_fail (XP_IS_WIZARD_ACTIONS (self), NULL);
  return G_ACTION_GROUP (self->group);
}

void
xp_wizard_actions_set_selection (XpWizardActions *self,
                                 GPtrArray       *objects)
{
  g_return_if_fail (XP_IS_WIZARD_ACTIONS (self));

  g_clear_pointer (&self->selection, g_ptr_array_unref);
  self->selection = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; objects != NULL && i < objects->len; i++)
    g_ptr_array_add (self->selection, g_object_ref (g_ptr_array_index (objects, i)));
  update_enabled (self);
}
