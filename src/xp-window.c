/* xp-window.c: the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sidebar (search, view, live tree) | content: a view stack with the
 * selection's details, the task list and the alerts.  Server actions
 * (connect, disconnect, forget password, remove) act on the connection of the
 * selected row.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <xapi-classes.h>
#include <xapi-error.h>

#include "xp-window.h"
#include "xp-alerts-view.h"
#include "xp-connection-dialogs.h"
#include "xp-connection-store.h"
#include "xp-task-view.h"
#include "xp-tree-model.h"

#ifdef HAVE_XP_PAGES
#include "pages/xp-details-view.h"
#include "actions/xp-object-actions.h"
#endif
#ifdef HAVE_XP_WIZARDS
#include "wizards/xp-wizard-actions.h"
#endif

struct _XpWindow
{
  AdwApplicationWindow  parent_instance;

  XpConnectionStore    *store;
  GSettings            *settings;

  AdwToastOverlay      *toasts;
  XpSidebar            *sidebar;
  AdwViewStack         *view_stack;
  GtkWidget            *details_stack;
  GtkWidget            *details_header;
  GtkWidget            *empty_page;

  /* connection page */
  AdwStatusPage        *conn_page;
  GtkWidget            *conn_connect;
  GtkWidget            *conn_disconnect;
  GtkWidget            *conn_forget;
  GtkWidget            *conn_remove;
  XapiConnection       *shown_conn;
  gulong                shown_conn_id;

  /* details */
  GtkWidget            *details;     /* XpDetailsView, or the fallback page */
  AdwStatusPage        *fallback;
  GtkWidget            *fallback_start;
  GtkWidget            *fallback_shutdown;
  GPtrArray            *selected_objects;
  GPtrArray            *watched;     /* objects whose notify we follow (fallback) */

  GtkWidget            *task_view;
  GtkWidget            *alerts_view;

#ifdef HAVE_XP_PAGES
  XpObjectActions      *obj_actions;
#endif
#ifdef HAVE_XP_WIZARDS
  XpWizardActions      *wiz_actions;
#endif
};

G_DEFINE_FINAL_TYPE (XpWindow, xp_window, ADW_TYPE_APPLICATION_WINDOW)

void
xp_window_add_toast (XpWindow   *self,
                     const char *text)
{
  AdwToast *toast;

  g_return_if_fail (XP_IS_WINDOW (self));
  toast = adw_toast_new (text);
  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (self->toasts, toast);
}

static void
toast_cb (GObject    *source,
          const char *text,
          XpWindow   *self)
{
  xp_window_add_toast (self, text);
}

/* A wizard made an object (the imported VM): select it. */
static void
wizard_select_cb (GObject  *source,
                  GObject  *object,
                  XpWindow *self)
{
  xp_sidebar_select_item (self->sidebar, object);
}

XpSidebar *
xp_window_get_sidebar (XpWindow *self)
{
  g_return_val_if_fail (XP_IS_WINDOW (self), NULL);
  return self->sidebar;
}

GtkWidget *
xp_window_get_task_view (XpWindow *self)
{
  return self->task_view;
}

GtkWidget *
xp_window_get_alerts_view (XpWindow *self)
{
  return self->alerts_view;
}

void
xp_window_show_page (XpWindow   *self,
                     const char *name)
{
  g_return_if_fail (XP_IS_WINDOW (self));
  adw_view_stack_set_visible_child_name (self->view_stack, name);
}

/* ------------------------------------------------------------------------ */
/* Long tasks finishing while the user looks elsewhere                      */

static void
long_task_finished_cb (XpTaskView *view,
                       XapiTask   *task,
                       XpWindow   *self)
{
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *id = NULL;

  /* Only for someone looking elsewhere, and only a registered app can
   * notify (not so in tests). */
  if (app == NULL || !g_application_get_is_registered (app) || gtk_window_is_active (GTK_WINDOW (self)))
    return;
  notification = xp_task_view_build_notification (task);
  id = g_strdup_printf ("task-%s", xapi_object_get_ref (XAPI_OBJECT (task)));
  g_application_send_notification (app, id, notification);
}

/* ------------------------------------------------------------------------ */
/* The connection of the selection                                          */

static XapiConnection *
selected_connection (XpWindow *self)
{
  g_autoptr(GPtrArray) items = xp_sidebar_get_selection (self->sidebar);

  for (guint i = 0; i < items->len; i++)
    {
      GObject *item = g_ptr_array_index (items, i);

      if (XAPI_IS_CONNECTION (item))
        return XAPI_CONNECTION (item);  /* owned by the store */
      if (XAPI_IS_OBJECT (item) && xapi_object_get_connection (XAPI_OBJECT (item)) != NULL)
        return xapi_object_get_connection (XAPI_OBJECT (item));
    }
  return NULL;
}

static void
update_connection_actions (XpWindow *self)
{
  XapiConnection *conn = selected_connection (self);
  XapiConnectionState state = conn ? xapi_connection_get_state (conn) : XAPI_CONNECTION_STATE_DISCONNECTED;
  gboolean transient = conn && (xp_connection_get_flags (conn) & XP_CONNECTION_TRANSIENT);
  GAction *action;

  action = g_action_map_lookup_action (G_ACTION_MAP (self), "server-connect");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action),
                               conn != NULL && (state == XAPI_CONNECTION_STATE_DISCONNECTED ||
                                                state == XAPI_CONNECTION_STATE_FAILED ||
                                                state == XAPI_CONNECTION_STATE_RECONNECTING));
  action = g_action_map_lookup_action (G_ACTION_MAP (self), "server-disconnect");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action),
                               conn != NULL && state != XAPI_CONNECTION_STATE_DISCONNECTED);
  action = g_action_map_lookup_action (G_ACTION_MAP (self), "server-forget-password");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), conn != NULL && !transient);
  action = g_action_map_lookup_action (G_ACTION_MAP (self), "server-remove");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), conn != NULL);
}

static void
update_connection_page (XpWindow *self)
{
  XapiConnection *conn = self->shown_conn;
  g_autofree char *name = NULL;
  g_autofree char *state = NULL;
  g_autofree char *description = NULL;
  gboolean is_error;

  if (conn == NULL)
    return;
  name = xp_object_dup_display_name (G_OBJECT (conn));
  state = xp_object_dup_state_text (G_OBJECT (conn), &is_error);
  description = g_strdup_printf ("%s\n%s@%s", state ? state : "",
                                 xapi_connection_get_username (conn),
                                 xapi_connection_get_uri (conn));
  adw_status_page_set_title (self->conn_page, name);
  adw_status_page_set_description (self->conn_page, description);
  adw_status_page_set_icon_name (self->conn_page, xp_object_get_icon_name (G_OBJECT (conn)));
  update_connection_actions (self);
}

static void
shown_conn_notify_cb (XapiConnection *conn,
                      GParamSpec     *pspec,
                      XpWindow       *self)
{
  update_connection_page (self);
}

static void
show_connection_page (XpWindow       *self,
                      XapiConnection *conn)
{
  if (self->shown_conn != conn)
    {
      if (self->shown_conn != NULL)
        g_clear_signal_handler (&self->shown_conn_id, self->shown_conn);
      g_set_object (&self->shown_conn, conn);
      if (conn != NULL)
        self->shown_conn_id = g_signal_connect (conn, "notify", G_CALLBACK (shown_conn_notify_cb), self);
    }
  update_connection_page (self);
}

/* ------------------------------------------------------------------------ */
/* Fallback details (when src/pages is not built)                           */

static void
fallback_update (XpWindow *self)
{
  GObject *obj;
  g_autofree char *name = NULL;
  g_autofree char *state = NULL;
  gboolean is_error;

  if (self->fallback == NULL || self->selected_objects->len == 0)
    return;
  obj = g_ptr_array_index (self->selected_objects, 0);
  name = self->selected_objects->len == 1
         ? xp_object_dup_display_name (obj)
         : g_strdup_printf (ngettext ("%u object", "%u objects", self->selected_objects->len),
                            self->selected_objects->len);
  state = xp_object_dup_state_text (obj, &is_error);
  adw_status_page_set_title (self->fallback, name);
  adw_status_page_set_description (self->fallback, self->selected_objects->len == 1 ? state : NULL);
  adw_status_page_set_icon_name (self->fallback, xp_object_get_icon_name (obj));

  gtk_widget_set_visible (self->fallback_start, FALSE);
  gtk_widget_set_visible (self->fallback_shutdown, FALSE);
  if (self->selected_objects->len == 1 && XAPI_IS_VM (obj) &&
      !xapi_vm_get_is_a_template (XAPI_VM (obj)) && !xapi_vm_get_is_a_snapshot (XAPI_VM (obj)))
    {
      XapiVmPowerState ps = xapi_vm_get_power_state (XAPI_VM (obj));

      gtk_widget_set_visible (self->fallback_start, ps == XAPI_VM_POWER_STATE_HALTED);
      gtk_widget_set_visible (self->fallback_shutdown, ps == XAPI_VM_POWER_STATE_RUNNING);
    }
}

static void
watched_notify_cb (GObject    *object,
                   GParamSpec *pspec,
                   XpWindow   *self)
{
  fallback_update (self);
}

#ifndef HAVE_XP_PAGES
static void
vm_started_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(XpWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!xapi_vm_start_finish (XAPI_CONNECTION (source), result, &error))
    {
      g_autofree char *text = xapi_error_describe (error, TRUE);
      g_autofree char *msg = g_strdup_printf (_("Could not start the VM: %s"), text);
      xp_window_add_toast (self, msg);
    }
}

static void
vm_shutdown_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(XpWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!xapi_vm_clean_shutdown_finish (XAPI_CONNECTION (source), result, &error))
    {
      g_autofree char *text = xapi_error_describe (error, TRUE);
      g_autofree char *msg = g_strdup_printf (_("Could not shut down the VM: %s"), text);
      xp_window_add_toast (self, msg);
    }
}

static void
fallback_start_cb (GtkButton *button,
                   XpWindow  *self)
{
  XapiObject *vm;

  if (self->selected_objects->len != 1)
    return;
  vm = g_ptr_array_index (self->selected_objects, 0);
  xapi_vm_start_async (xapi_object_get_connection (vm), xapi_object_get_ref (vm), FALSE, FALSE,
                       NULL, vm_started_cb, g_object_ref (self));
}

static void
fallback_shutdown_cb (GtkButton *button,
                      XpWindow  *self)
{
  XapiObject *vm;

  if (self->selected_objects->len != 1)
    return;
  vm = g_ptr_array_index (self->selected_objects, 0);
  xapi_vm_clean_shutdown_async (xapi_object_get_connection (vm), xapi_object_get_ref (vm),
                                NULL, vm_shutdown_cb, g_object_ref (self));
}

static GtkWidget *
create_fallback_details (XpWindow *self)
{
  GtkWidget *page = adw_status_page_new ();
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);

  self->fallback = ADW_STATUS_PAGE (page);
  self->fallback_start = gtk_button_new_with_mnemonic (_("_Start"));
  gtk_widget_add_css_class (self->fallback_start, "pill");
  gtk_widget_add_css_class (self->fallback_start, "suggested-action");
  g_signal_connect (self->fallback_start, "clicked", G_CALLBACK (fallback_start_cb), self);
  self->fallback_shutdown = gtk_button_new_with_mnemonic (_("Shut _Down"));
  gtk_widget_add_css_class (self->fallback_shutdown, "pill");
  g_signal_connect (self->fallback_shutdown, "clicked", G_CALLBACK (fallback_shutdown_cb), self);
  gtk_widget_set_halign (buttons, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (buttons), self->fallback_start);
  gtk_box_append (GTK_BOX (buttons), self->fallback_shutdown);
  adw_status_page_set_child (self->fallback, buttons);
  return page;
}
#endif /* !HAVE_XP_PAGES */

/* ------------------------------------------------------------------------ */
/* Selection                                                                */

static void
unwatch_all (XpWindow *self)
{
  for (guint i = 0; i < self->watched->len; i++)
    g_signal_handlers_disconnect_by_func (g_ptr_array_index (self->watched, i),
                                          watched_notify_cb, self);
  g_ptr_array_set_size (self->watched, 0);
}

static void
selection_changed_cb (XpSidebar *sidebar,
                      XpWindow  *self)
{
  g_autoptr(GPtrArray) items = xp_sidebar_get_selection (sidebar);
  XapiConnection *conn = NULL;

  unwatch_all (self);
  g_ptr_array_set_size (self->selected_objects, 0);
  for (guint i = 0; i < items->len; i++)
    {
      GObject *item = g_ptr_array_index (items, i);

      if (XAPI_IS_OBJECT (item))
        g_ptr_array_add (self->selected_objects, g_object_ref (item));
      else if (XAPI_IS_CONNECTION (item) && conn == NULL)
        conn = XAPI_CONNECTION (item);
    }

#ifdef HAVE_XP_PAGES
  xp_object_actions_set_selection (self->obj_actions, self->selected_objects);
#endif
#ifdef HAVE_XP_WIZARDS
  xp_wizard_actions_set_selection (self->wiz_actions, self->selected_objects);
#endif

  if (self->selected_objects->len > 0)
    {
#ifdef HAVE_XP_PAGES
      xp_details_view_set_selection (XP_DETAILS_VIEW (self->details), self->selected_objects);
#else
      for (guint i = 0; i < self->selected_objects->len; i++)
        {
          GObject *obj = g_ptr_array_index (self->selected_objects, i);
          g_signal_connect (obj, "notify", G_CALLBACK (watched_notify_cb), self);
          g_ptr_array_add (self->watched, g_object_ref (obj));
        }
      fallback_update (self);
#endif
      gtk_stack_set_visible_child_name (GTK_STACK (self->details_stack), "details");
    }
  else if (conn != NULL)
    {
      show_connection_page (self, conn);
      gtk_stack_set_visible_child_name (GTK_STACK (self->details_stack), "connection");
    }
  else
    gtk_stack_set_visible_child_name (GTK_STACK (self->details_stack), "empty");

  update_connection_actions (self);
}

void
xp_window_show_connection (XpWindow       *self,
                           XapiConnection *conn)
{
  g_return_if_fail (XP_IS_WINDOW (self));

  xp_window_show_page (self, "details");
  gtk_editable_set_text (xp_sidebar_get_search_entry (self->sidebar), "");
  xp_sidebar_select_item (self->sidebar, G_OBJECT (conn));
}

/* ------------------------------------------------------------------------ */
/* Context menu                                                             */

static void
unparent_popover (gpointer data)
{
  gtk_widget_unparent (data);
  g_object_unref (data);
}

static void
context_menu_closed_cb (GtkPopover *popover)
{
  /* An item closes the menu before it activates its action, which is
   * looked up through the menu's parent: unparent the menu afterwards. */
  g_idle_add_once (unparent_popover, g_object_ref (popover));
}

static void
restore_focus_cb (GtkWidget *focus)
{
  /* back to where the menu was opened from (the row), if still there */
  if (gtk_widget_get_root (focus) != NULL)
    gtk_widget_grab_focus (focus);
}

static void
context_menu_cb (XpSidebar *sidebar,
                 GObject   *item,
                 GtkWidget *parent,
                 double     x,
                 double     y,
                 XpWindow  *self)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  GtkWidget *popover, *focus;

  if (XAPI_IS_CONNECTION (item))
    {
      g_menu_append (menu, _("_Connect"), "win.server-connect");
      g_menu_append (menu, _("_Disconnect"), "win.server-disconnect");
      g_menu_append (menu, _("_Forget Password"), "win.server-forget-password");
      g_menu_append (menu, _("_Remove Server"), "win.server-remove");
    }
#ifdef HAVE_XP_PAGES
  else
    {
      GMenuModel *model = xp_object_actions_get_context_menu (self->obj_actions);
      if (model != NULL)
        g_menu_append_section (menu, NULL, model);
    }
#endif
  if (g_menu_model_get_n_items (G_MENU_MODEL (menu)) == 0)
    return;

  popover = gtk_popover_menu_new_from_model (G_MENU_MODEL (menu));
  gtk_widget_set_parent (popover, parent);
  gtk_popover_set_has_arrow (GTK_POPOVER (popover), FALSE);
  gtk_popover_set_pointing_to (GTK_POPOVER (popover), &(GdkRectangle) { x, y, 1, 1 });
  g_signal_connect (popover, "closed", G_CALLBACK (context_menu_closed_cb), NULL);
  focus = gtk_root_get_focus (GTK_ROOT (self));
  if (focus != NULL)
    g_signal_connect_object (popover, "closed", G_CALLBACK (restore_focus_cb), focus, G_CONNECT_SWAPPED);
  gtk_popover_popup (GTK_POPOVER (popover));
}

/* ------------------------------------------------------------------------ */
/* Actions                                                                  */

static void
add_server_action (GSimpleAction *action,
                   GVariant      *param,
                   gpointer       user_data)
{
  XpWindow *self = user_data;

  xp_add_server_dialog_present (GTK_WINDOW (self), self->store, NULL);
}

static void
server_connect_action (GSimpleAction *action,
                       GVariant      *param,
                       gpointer       user_data)
{
  XpWindow *self = user_data;
  XapiConnection *conn = selected_connection (self);

  if (conn == NULL)
    return;
  if (xapi_connection_get_state (conn) == XAPI_CONNECTION_STATE_RECONNECTING)
    xapi_connection_reconnect_now (conn);
  else
    xp_connection_store_connect (self->store, conn, NULL);
}

static void
server_disconnect_action (GSimpleAction *action,
                          GVariant      *param,
                          gpointer       user_data)
{
  XpWindow *self = user_data;
  XapiConnection *conn = selected_connection (self);

  if (conn != NULL)
    xp_connection_store_disconnect (self->store, conn);
}

static void
server_forget_password_action (GSimpleAction *action,
                               GVariant      *param,
                               gpointer       user_data)
{
  XpWindow *self = user_data;
  XapiConnection *conn = selected_connection (self);

  if (conn == NULL)
    return;
  xp_connection_store_forget_password (self->store, conn);
  xp_window_add_toast (self, _("Password removed from the keyring"));
}

static void
remove_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    XpWindow         *self)
{
  XapiConnection *conn = g_object_get_data (G_OBJECT (dialog), "xp-conn");

  if (g_strcmp0 (response, "remove") != 0 || conn == NULL)
    return;
  if (self->shown_conn == conn)
    {
      g_clear_signal_handler (&self->shown_conn_id, self->shown_conn);
      g_clear_object (&self->shown_conn);
    }
  xp_connection_store_remove (self->store, conn);
  xp_window_add_toast (self, _("Server removed"));
}

static void
server_remove_action (GSimpleAction *action,
                      GVariant      *param,
                      gpointer       user_data)
{
  XpWindow *self = user_data;
  XapiConnection *conn = selected_connection (self);
  g_autofree char *name = NULL;
  GtkWidget *dialog;

  if (conn == NULL)
    return;
  name = xp_object_dup_display_name (G_OBJECT (conn));
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Remove Server?"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("%s will be disconnected and removed from the list, and its saved password deleted from the keyring."),
                                  name);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"), "remove", _("_Remove"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "xp-conn", g_object_ref (conn), g_object_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
focus_search_action (GSimpleAction *action,
                     GVariant      *param,
                     gpointer       user_data)
{
  XpWindow *self = user_data;

  xp_window_show_page (self, "details");
  gtk_widget_grab_focus (GTK_WIDGET (xp_sidebar_get_search_entry (self->sidebar)));
}

static void
show_page_action (GSimpleAction *action,
                  GVariant      *param,
                  gpointer       user_data)
{
  xp_window_show_page (user_data, g_variant_get_string (param, NULL));
}

static void
show_templates_changed (GSimpleAction *action,
                        GVariant      *value,
                        gpointer       user_data)
{
  XpWindow *self = user_data;
  gboolean show = g_variant_get_boolean (value);

  g_simple_action_set_state (action, value);
  xp_sidebar_set_show_templates (self->sidebar, show);
  if (self->settings != NULL)
    g_settings_set_boolean (self->settings, "show-templates", show);
}

static XpTreeView
xp_window_view_from_name (const char *view)
{
  if (g_str_equal (view, "objects"))
    return XP_TREE_VIEW_OBJECTS;
  if (g_str_equal (view, "tags"))
    return XP_TREE_VIEW_TAGS;
  if (g_str_equal (view, "folders"))
    return XP_TREE_VIEW_FOLDERS;
  return XP_TREE_VIEW_INFRASTRUCTURE;
}

static void
sidebar_view_changed (GSimpleAction *action,
                      GVariant      *value,
                      gpointer       user_data)
{
  XpWindow *self = user_data;
  const char *view = g_variant_get_string (value, NULL);

  g_simple_action_set_state (action, value);
  xp_sidebar_set_view (self->sidebar, xp_window_view_from_name (view));
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "sidebar-view", view);
}

static const GActionEntry win_entries[] = {
  { "add-server", add_server_action },
  { "server-connect", server_connect_action },
  { "server-disconnect", server_disconnect_action },
  { "server-forget-password", server_forget_password_action },
  { "server-remove", server_remove_action },
  { "focus-search", focus_search_action },
  { "show-page", show_page_action, "s" },
  { "show-templates", NULL, NULL, "false", show_templates_changed },
  { "sidebar-view", NULL, "s", "'infrastructure'", sidebar_view_changed },
};

/* ------------------------------------------------------------------------ */
/* Certificates and failures reported by the store                          */

typedef struct {
  XpConnectionStore *store;
  XapiConnection    *conn;
  char              *fingerprint;
} TrustRequest;

static void
trust_request_free (gpointer data)
{
  TrustRequest *tr = data;

  g_object_unref (tr->store);
  g_object_unref (tr->conn);
  g_free (tr->fingerprint);
  g_free (tr);
}

static void
trust_decided_cb (gboolean accepted,
                  gpointer user_data)
{
  TrustRequest *tr = user_data;

  if (accepted)
    xp_connection_store_trust (tr->store, tr->conn, tr->fingerprint);
}

static void
certificate_problem_cb (XpConnectionStore *store,
                        XapiConnection    *conn,
                        const char        *fingerprint,
                        gboolean           changed,
                        XpWindow          *self)
{
  TrustRequest *tr = g_new0 (TrustRequest, 1);
  g_autofree char *server = NULL;
  g_autoptr(GUri) uri = g_uri_parse (xapi_connection_get_uri (conn), G_URI_FLAGS_NONE, NULL);

  tr->store = g_object_ref (store);
  tr->conn = g_object_ref (conn);
  tr->fingerprint = g_strdup (fingerprint);
  server = g_strdup (uri ? g_uri_get_host (uri) : xp_connection_get_address (conn));
  xp_certificate_dialog_present (GTK_WINDOW (self), server, fingerprint, changed,
                                 trust_decided_cb, tr, trust_request_free);
}

static void
connect_failed_cb (XpConnectionStore *store,
                   XapiConnection    *conn,
                   const GError      *error,
                   XpWindow          *self)
{
  g_autofree char *text = xp_describe_connect_error (error);
  g_autofree char *name = xp_object_dup_display_name (G_OBJECT (conn));
  g_autofree char *msg = g_strdup_printf (_("%s: %s"), name, text);

  xp_window_add_toast (self, msg);
}

/* ------------------------------------------------------------------------ */
/* Construction                                                             */

static GtkWidget *
make_connection_page (XpWindow *self)
{
  GtkWidget *page = adw_status_page_new ();
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);

  self->conn_page = ADW_STATUS_PAGE (page);
  self->conn_connect = gtk_button_new_with_mnemonic (_("_Connect"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->conn_connect), "win.server-connect");
  gtk_widget_add_css_class (self->conn_connect, "suggested-action");
  self->conn_disconnect = gtk_button_new_with_mnemonic (_("_Disconnect"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->conn_disconnect), "win.server-disconnect");
  self->conn_forget = gtk_button_new_with_mnemonic (_("_Forget Password"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->conn_forget), "win.server-forget-password");
  self->conn_remove = gtk_button_new_with_mnemonic (_("_Remove Server"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->conn_remove), "win.server-remove");
  gtk_widget_add_css_class (self->conn_remove, "destructive-action");
  gtk_widget_set_halign (buttons, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (buttons), self->conn_connect);
  gtk_box_append (GTK_BOX (buttons), self->conn_disconnect);
  gtk_box_append (GTK_BOX (buttons), self->conn_forget);
  gtk_box_append (GTK_BOX (buttons), self->conn_remove);
  adw_status_page_set_child (self->conn_page, buttons);
  return page;
}

static GtkWidget *
make_empty_page (void)
{
  GtkWidget *page = adw_status_page_new ();
  GtkWidget *button = gtk_button_new_with_mnemonic (_("_Add Server…"));

  adw_status_page_set_icon_name (ADW_STATUS_PAGE (page), "network-server-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (page), _("Welcome to XenPools"));
  adw_status_page_set_description (ADW_STATUS_PAGE (page),
                                   _("Add a XenServer or XCP-ng server, then pick a pool, server or VM in the sidebar."));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.add-server");
  gtk_widget_add_css_class (button, "pill");
  gtk_widget_add_css_class (button, "suggested-action");
  gtk_widget_set_halign (button, GTK_ALIGN_CENTER);
  adw_status_page_set_child (ADW_STATUS_PAGE (page), button);
  return page;
}

static GMenuModel *
make_main_menu (void)
{
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) view = g_menu_new ();
  g_autoptr(GMenu) server = g_menu_new ();
  g_autoptr(GMenu) app = g_menu_new ();
  g_autoptr(GMenuItem) item = NULL;

  item = g_menu_item_new (_("_Infrastructure View"), NULL);
  g_menu_item_set_action_and_target (item, "win.sidebar-view", "s", "infrastructure");
  g_menu_append_item (view, item);
  g_clear_object (&item);
  item = g_menu_item_new (_("_Objects View"), NULL);
  g_menu_item_set_action_and_target (item, "win.sidebar-view", "s", "objects");
  g_menu_append_item (view, item);
  g_object_unref (item);
  item = g_menu_item_new (_("_Tags View"), NULL);
  g_menu_item_set_action_and_target (item, "win.sidebar-view", "s", "tags");
  g_menu_append_item (view, item);
  g_object_unref (item);
  item = g_menu_item_new (_("_Folders View"), NULL);
  g_menu_item_set_action_and_target (item, "win.sidebar-view", "s", "folders");
  g_menu_append_item (view, item);
  g_menu_append (view, _("Show _Templates"), "win.show-templates");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (view));

  g_menu_append (server, _("_Add Server…"), "win.add-server");
  g_menu_append (server, _("_Connect"), "win.server-connect");
  g_menu_append (server, _("_Disconnect"), "win.server-disconnect");
  g_menu_append (server, _("_Forget Password"), "win.server-forget-password");
  g_menu_append (server, _("_Remove Server"), "win.server-remove");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (server));

#ifdef HAVE_XP_PREFERENCES
  g_menu_append (app, _("_Preferences"), "app.preferences");
#endif
  g_menu_append (app, _("_Keyboard Shortcuts"), "win.show-help-overlay");
  g_menu_append (app, _("_About XenPools"), "app.about");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (app));
  return G_MENU_MODEL (menu);
}

#ifdef HAVE_XP_WIZARDS
static GMenuModel *
make_new_menu (void)
{
  GMenu *menu = g_menu_new ();

  g_menu_append (menu, _("New _VM…"), "wiz.new-vm");
  g_menu_append (menu, _("New _Storage Repository…"), "wiz.new-sr");
  g_menu_append (menu, _("New _Network…"), "wiz.new-network");
  g_menu_append (menu, _("_Import…"), "wiz.import");
  g_menu_append (menu, _("_Export…"), "wiz.export");
  g_menu_append (menu, _("_Migrate…"), "wiz.migrate");
  g_menu_append (menu, _("_High Availability…"), "wiz.ha");
  g_menu_append (menu, _("_Properties…"), "wiz.properties");
  return G_MENU_MODEL (menu);
}
#endif

static void
xp_window_dispose (GObject *object)
{
  XpWindow *self = XP_WINDOW (object);

  if (self->watched != NULL)
    unwatch_all (self);
  if (self->shown_conn != NULL)
    g_clear_signal_handler (&self->shown_conn_id, self->shown_conn);
  g_clear_object (&self->shown_conn);
  g_clear_pointer (&self->watched, g_ptr_array_unref);
  g_clear_pointer (&self->selected_objects, g_ptr_array_unref);
#ifdef HAVE_XP_PAGES
  g_clear_object (&self->obj_actions);
#endif
#ifdef HAVE_XP_WIZARDS
  g_clear_object (&self->wiz_actions);
#endif
  g_clear_object (&self->settings);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (xp_window_parent_class)->dispose (object);
}

static gboolean
xp_window_close_request (GtkWindow *window)
{
  XpWindow *self = XP_WINDOW (window);

  if (self->settings != NULL)
    {
      int width, height;

      gtk_window_get_default_size (window, &width, &height);
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
      g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
    }
  return GTK_WINDOW_CLASS (xp_window_parent_class)->close_request (window);
}

static void
xp_window_class_init (XpWindowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = xp_window_dispose;
  GTK_WINDOW_CLASS (klass)->close_request = xp_window_close_request;
}

static void
xp_window_init (XpWindow *self)
{
  self->selected_objects = g_ptr_array_new_with_free_func (g_object_unref);
  self->watched = g_ptr_array_new_with_free_func (g_object_unref);
}

static GtkWidget *
icon_button (const char *icon,
             const char *label,
             const char *action)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  return button;
}

XpWindow *
xp_window_new (XpApplication *app)
{
  XpWindow *self = g_object_new (XP_TYPE_WINDOW, "application", app, NULL);
  GListModel *connections;
  GtkWidget *paned, *side_box, *side_header, *content_box, *header, *switcher_title;
  GtkWidget *menu_button, *bar, *switcher_bar;
  g_autoptr(GMenuModel) main_menu = NULL;
  AdwViewStackPage *page;

  self->store = g_object_ref (xp_application_get_connection_store (app));
  if (xp_application_get_settings (app) != NULL)
    self->settings = g_object_ref (xp_application_get_settings (app));
  connections = xp_connection_store_get_connections (self->store);

  gtk_window_set_title (GTK_WINDOW (self), _("XenPools"));
  gtk_window_set_default_size (GTK_WINDOW (self),
                               self->settings ? g_settings_get_int (self->settings, "window-width") : 1100,
                               self->settings ? g_settings_get_int (self->settings, "window-height") : 720);
  if (self->settings != NULL && g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries, G_N_ELEMENTS (win_entries), self);

  /* sidebar */
  side_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  side_header = adw_header_bar_new ();
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (side_header), FALSE);
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (side_header),
                                   adw_window_title_new (_("XenPools"), NULL));
  adw_header_bar_pack_start (ADW_HEADER_BAR (side_header),
                             icon_button ("list-add-symbolic", _("Add Server"), "win.add-server"));
  gtk_box_append (GTK_BOX (side_box), side_header);
  self->sidebar = XP_SIDEBAR (xp_sidebar_new (connections));
  gtk_widget_set_vexpand (GTK_WIDGET (self->sidebar), TRUE);
  g_signal_connect (self->sidebar, "selection-changed", G_CALLBACK (selection_changed_cb), self);
  g_signal_connect (self->sidebar, "context-menu", G_CALLBACK (context_menu_cb), self);
  gtk_box_append (GTK_BOX (side_box), GTK_WIDGET (self->sidebar));

  /* content */
  content_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = adw_header_bar_new ();
  self->view_stack = ADW_VIEW_STACK (adw_view_stack_new ());
  switcher_title = adw_view_switcher_title_new ();
  adw_view_switcher_title_set_stack (ADW_VIEW_SWITCHER_TITLE (switcher_title), self->view_stack);
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), switcher_title);

  main_menu = make_main_menu ();
  menu_button = gtk_menu_button_new ();
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu_button), "open-menu-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (menu_button), main_menu);
  gtk_menu_button_set_primary (GTK_MENU_BUTTON (menu_button), TRUE);
  gtk_widget_set_tooltip_text (menu_button, _("Main Menu"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (menu_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Main Menu"), -1);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), menu_button);

#ifdef HAVE_XP_WIZARDS
  {
    g_autoptr(GMenuModel) new_menu = make_new_menu ();
    GtkWidget *new_button = gtk_menu_button_new ();

    self->wiz_actions = xp_wizard_actions_new (GTK_WINDOW (self), connections);
    gtk_widget_insert_action_group (GTK_WIDGET (self), "wiz",
                                    xp_wizard_actions_get_group (self->wiz_actions));
    g_signal_connect_object (self->wiz_actions, "toast", G_CALLBACK (toast_cb), self, 0);
    g_signal_connect_object (self->wiz_actions, "select", G_CALLBACK (wizard_select_cb), self, 0);
    /* drag a VM onto a host: the Migrate wizard, preset to that host */
    g_signal_connect_object (self->sidebar, "vm-dropped", G_CALLBACK (xp_wizard_actions_migrate_to),
                             self->wiz_actions, G_CONNECT_SWAPPED);
    gtk_menu_button_set_label (GTK_MENU_BUTTON (new_button), _("New…"));
    /* GTK 4.8 does not name a menu button after its label */
    gtk_accessible_update_property (GTK_ACCESSIBLE (new_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    _("New…"), -1);
    gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (new_button), new_menu);
    gtk_widget_set_tooltip_text (new_button, _("Create or import"));
    adw_header_bar_pack_start (ADW_HEADER_BAR (header), new_button);
  }
#endif
#ifdef HAVE_XP_PAGES
  self->obj_actions = xp_object_actions_new (GTK_WINDOW (self));
  gtk_widget_insert_action_group (GTK_WIDGET (self), "obj",
                                  xp_object_actions_get_group (self->obj_actions));
  g_signal_connect_object (self->obj_actions, "toast", G_CALLBACK (toast_cb), self, 0);
  self->details = xp_details_view_new ();
#else
  self->details = create_fallback_details (self);
#endif

  self->details_stack = gtk_stack_new ();
  gtk_stack_add_named (GTK_STACK (self->details_stack), make_empty_page (), "empty");
  gtk_stack_add_named (GTK_STACK (self->details_stack), make_connection_page (self), "connection");
  gtk_stack_add_named (GTK_STACK (self->details_stack), self->details, "details");
  gtk_stack_set_visible_child_name (GTK_STACK (self->details_stack), "empty");

  self->task_view = xp_task_view_new (connections);
  g_signal_connect_object (self->task_view, "toast", G_CALLBACK (toast_cb), self, 0);
  g_signal_connect_object (self->task_view, "long-task-finished", G_CALLBACK (long_task_finished_cb), self, 0);
  self->alerts_view = xp_alerts_view_new (connections);
  g_signal_connect_object (self->alerts_view, "toast", G_CALLBACK (toast_cb), self, 0);

  page = adw_view_stack_add_titled (self->view_stack, self->details_stack, "details", _("Details"));
  adw_view_stack_page_set_icon_name (page, "view-grid-symbolic");
  page = adw_view_stack_add_titled (self->view_stack, self->task_view, "tasks", _("Tasks"));
  adw_view_stack_page_set_icon_name (page, "emblem-system-symbolic");
  page = adw_view_stack_add_titled (self->view_stack, self->alerts_view, "alerts", _("Alerts"));
  adw_view_stack_page_set_icon_name (page, "alarm-symbolic");
  gtk_widget_set_vexpand (GTK_WIDGET (self->view_stack), TRUE);

  switcher_bar = adw_view_switcher_bar_new ();
  adw_view_switcher_bar_set_stack (ADW_VIEW_SWITCHER_BAR (switcher_bar), self->view_stack);
  g_object_bind_property (switcher_title, "title-visible", switcher_bar, "reveal",
                          G_BINDING_SYNC_CREATE);

  gtk_box_append (GTK_BOX (content_box), header);
  gtk_box_append (GTK_BOX (content_box), GTK_WIDGET (self->view_stack));
  gtk_box_append (GTK_BOX (content_box), switcher_bar);

  paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  gtk_paned_set_start_child (GTK_PANED (paned), side_box);
  gtk_paned_set_end_child (GTK_PANED (paned), content_box);
  gtk_paned_set_resize_start_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_shrink_start_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_position (GTK_PANED (paned), 320);

  self->toasts = ADW_TOAST_OVERLAY (adw_toast_overlay_new ());
  adw_toast_overlay_set_child (self->toasts, paned);
  bar = GTK_WIDGET (self->toasts);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (self), bar);

  g_signal_connect_object (self->store, "certificate-problem", G_CALLBACK (certificate_problem_cb), self, 0);
  g_signal_connect_object (self->store, "connect-failed", G_CALLBACK (connect_failed_cb), self, 0);

  /* settings */
  if (self->settings != NULL)
    {
      g_autofree char *view = g_settings_get_string (self->settings, "sidebar-view");

      g_action_group_change_action_state (G_ACTION_GROUP (self), "show-templates",
                                          g_variant_new_boolean (g_settings_get_boolean (self->settings, "show-templates")));
      if (g_str_equal (view, "objects"))
        g_action_group_change_action_state (G_ACTION_GROUP (self), "sidebar-view",
                                            g_variant_new_string ("objects"));
    }
  update_connection_actions (self);
  return self;
}
