/* xp-console-view.c: the console page of a VM or a host
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What to show is worked out again from the cache after every applied
 * event batch (resolve): object -> VM (the VM itself, or the host's control
 * domain) -> its RFB console -> console.location.  The console is
 * identified by (console ref, domid, location): a reboot gives a new domid
 * (and on real xapi a new console object), a migration a new location, and
 * any change reconnects.  A connection that drops or fails while the VM
 * still runs is retried after RETRY_SECONDS, doubling up to RETRY_MAX_SECONDS.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "xp-console-view.h"
#include "xapi-cache.h"
#include "xapi-connection.h"
#include "xapi-classes.h"

#define RETRY_SECONDS 2
#define RETRY_MAX_SECONDS 30
#define SCHEMA_ID "io.github.xenpools.XenPools"

struct _XpConsoleView
{
  GtkWidget       parent_instance;

  GtkWidget      *content;          /* toolbar + stack; ours, docked here or in window */
  GtkWidget      *placeholder;      /* shown here while undocked */
  GtkWidget      *stack;
  AdwStatusPage  *status;
  GtkWidget      *retry_button;
  GtkWidget      *scroller;
  XpVncDisplay   *display;
  GtkWidget      *toolbar;
  GtkWidget      *scale_button;
  GtkWidget      *undock_button;
  GtkWidget      *grab_button;
  GtkWidget      *hint_label;
  GtkWindow      *window;           /* when undocked */

  XapiObject     *object;
  XapiConnection *connection;
  XapiCache      *cache;
  gulong          batch_id;
  gulong          notify_id;
  XapiObject     *dom0;             /* host mode: the control domain found last */

  char           *key;              /* console ref + domid + location being shown */
  char           *location;
  gboolean        closing;          /* our own close: ignore "disconnected" */
  guint           retry_id;
  guint           retry_seconds;    /* next delay */
};

G_DEFINE_FINAL_TYPE (XpConsoleView, xp_console_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_OBJECT,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

static void resolve (XpConsoleView *self);

/* ------------------------------------------------------------------------ */
/* Pages                                                                    */

static void
show_status (XpConsoleView *self,
             const char    *icon,
             const char    *title,
             const char    *description,
             gboolean       can_retry)
{
  adw_status_page_set_icon_name (self->status, icon);
  adw_status_page_set_title (self->status, title);
  adw_status_page_set_description (self->status, description);
  gtk_widget_set_visible (self->retry_button, can_retry);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "status");
  gtk_widget_set_sensitive (self->toolbar, FALSE);
}

static void
show_console (XpConsoleView *self)
{
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "console");
  gtk_widget_set_sensitive (self->toolbar, TRUE);
}

static void
close_console (XpConsoleView *self)
{
  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_clear_pointer (&self->key, g_free);
  g_clear_pointer (&self->location, g_free);
  self->closing = TRUE;
  xp_vnc_display_close (self->display);
  self->closing = FALSE;
}

/* ------------------------------------------------------------------------ */
/* Following the object                                                     */

static XapiVm *
find_control_domain (XpConsoleView *self,
                     XapiHost      *host)
{
  const char *host_ref = xapi_object_get_ref (XAPI_OBJECT (host));
  GListModel *vms;
  guint n;

  if (self->dom0 != NULL && !xapi_object_is_gone (self->dom0) &&
      xapi_vm_get_is_control_domain (XAPI_VM (self->dom0)) &&
      g_strcmp0 (xapi_vm_get_resident_on (XAPI_VM (self->dom0)), host_ref) == 0)
    return XAPI_VM (self->dom0);

  g_clear_object (&self->dom0);
  vms = xapi_cache_get_objects (self->cache, XAPI_TYPE_VM);
  n = g_list_model_get_n_items (vms);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(XapiVm) vm = g_list_model_get_item (vms, i);

      if (xapi_vm_get_is_control_domain (vm) &&
          g_strcmp0 (xapi_vm_get_resident_on (vm), host_ref) == 0)
        {
          self->dom0 = g_object_ref (XAPI_OBJECT (vm));
          return vm;
        }
    }
  return NULL;
}

static XapiConsole *
find_rfb_console (XpConsoleView *self,
                  XapiVm        *vm)
{
  g_autoptr(GPtrArray) consoles = xapi_cache_follow_set (self->cache, XAPI_OBJECT (vm), "consoles");

  for (guint i = 0; consoles != NULL && i < consoles->len; i++)
    {
      XapiObject *c = g_ptr_array_index (consoles, i);

      if (XAPI_IS_CONSOLE (c) && !xapi_object_is_gone (c) &&
          xapi_console_get_protocol (XAPI_CONSOLE (c)) == XAPI_CONSOLE_PROTOCOL_RFB &&
          xapi_console_get_location (XAPI_CONSOLE (c)) != NULL &&
          xapi_console_get_location (XAPI_CONSOLE (c))[0] != '\0')
        return XAPI_CONSOLE (c);
    }
  return NULL;
}

static void
open_console (XpConsoleView *self)
{
  if (xapi_connection_get_session_ref (self->connection) == NULL)
    {
      show_status (self, "network-offline-symbolic", _("Not Connected"),
                   _("The console opens once the connection to the pool is back."), FALSE);
      return;
    }
  show_status (self, "computer-symbolic", _("Connecting…"), NULL, FALSE);
  /* held to the certificate of the host that runs the VM */
  xp_vnc_display_open_console_for_connection (self->display, self->connection, self->location);
}

static gboolean
retry_cb (gpointer user_data)
{
  XpConsoleView *self = user_data;

  self->retry_id = 0;
  if (self->location != NULL)
    open_console (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (XpConsoleView *self)
{
  if (self->retry_id == 0 && self->location != NULL)
    {
      self->retry_id = g_timeout_add_seconds (MAX (self->retry_seconds, RETRY_SECONDS), retry_cb, self);
      self->retry_seconds = MIN (MAX (self->retry_seconds, RETRY_SECONDS) * 2, RETRY_MAX_SECONDS);
    }
}

static void
resolve (XpConsoleView *self)
{
  XapiVm *vm = NULL;
  XapiConsole *console;
  g_autofree char *key = NULL;
  const char *location;

  if (self->object == NULL)
    {
      close_console (self);
      show_status (self, "computer-symbolic", _("No Console"),
                   _("Select a virtual machine or a host to see its console."), FALSE);
      return;
    }
  if (xapi_object_is_gone (self->object))
    {
      close_console (self);
      show_status (self, "computer-symbolic", _("No Console"), _("The object no longer exists."), FALSE);
      return;
    }

  if (XAPI_IS_VM (self->object))
    vm = XAPI_VM (self->object);
  else if (XAPI_IS_HOST (self->object) && self->cache != NULL)
    {
      vm = find_control_domain (self, XAPI_HOST (self->object));
      if (vm == NULL)
        {
          close_console (self);
          show_status (self, "computer-symbolic", _("No Host Console"),
                       _("The host's control domain is not known yet."), FALSE);
          return;
        }
    }
  if (vm == NULL || self->cache == NULL)
    {
      close_console (self);
      show_status (self, "computer-symbolic", _("No Console"),
                   _("This object has no console."), FALSE);
      return;
    }

  switch (xapi_vm_get_power_state (vm))
    {
    case XAPI_VM_POWER_STATE_RUNNING:
    case XAPI_VM_POWER_STATE_PAUSED:
      break;
    case XAPI_VM_POWER_STATE_SUSPENDED:
      close_console (self);
      show_status (self, "media-playback-pause-symbolic", _("The VM Is Suspended"),
                   _("Resume the VM to use its console."), FALSE);
      return;
    case XAPI_VM_POWER_STATE_HALTED:
    default:
      close_console (self);
      show_status (self, "system-shutdown-symbolic", _("The VM Is Not Running"),
                   _("Start the VM to use its console."), FALSE);
      return;
    }

  console = find_rfb_console (self, vm);
  if (console == NULL)
    {
      close_console (self);
      show_status (self, "computer-symbolic", _("Waiting for the Console…"),
                   _("The VM has no graphical console yet."), FALSE);
      return;
    }

  location = xapi_console_get_location (console);
  key = g_strdup_printf ("%s %" G_GINT64_FORMAT " %s", xapi_object_get_ref (XAPI_OBJECT (console)),
                         xapi_vm_get_domid (vm), location);
  if (g_strcmp0 (key, self->key) == 0)
    return;   /* same console: keep the connection (or the pending retry) */

  close_console (self);
  self->retry_seconds = RETRY_SECONDS;
  self->key = g_steal_pointer (&key);
  self->location = g_strdup (location);
  open_console (self);
}

static void
batch_applied_cb (XapiCache *cache,
                  guint      n_events,
                  gpointer   user_data)
{
  resolve (user_data);
}

static void
object_notify_cb (GObject    *object,
                  GParamSpec *pspec,
                  gpointer    user_data)
{
  resolve (user_data);
}

static void
connection_notify_cb (GObject    *object,
                      GParamSpec *pspec,
                      gpointer    user_data)
{
  XpConsoleView *self = user_data;

  /* A new session after a reconnect: a failed console may work now. */
  if (xapi_connection_get_state (self->connection) == XAPI_CONNECTION_STATE_CONNECTED &&
      self->location != NULL && !xp_vnc_display_get_connected (self->display))
    {
      g_clear_handle_id (&self->retry_id, g_source_remove);
      open_console (self);
    }
}

static void
disconnect_object (XpConsoleView *self)
{
  if (self->cache != NULL)
    g_clear_signal_handler (&self->batch_id, self->cache);
  if (self->object != NULL)
    g_clear_signal_handler (&self->notify_id, self->object);
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_func (self->connection, connection_notify_cb, self);
  g_clear_object (&self->cache);
  g_clear_object (&self->connection);
  g_clear_object (&self->object);
  g_clear_object (&self->dom0);
}

/* ------------------------------------------------------------------------ */
/* Display signals                                                          */

static void
display_connected_cb (XpVncDisplay  *display,
                      XpConsoleView *self)
{
  g_clear_handle_id (&self->retry_id, g_source_remove);
  self->retry_seconds = RETRY_SECONDS;
  show_console (self);
}

static void
display_disconnected_cb (XpVncDisplay  *display,
                         XpConsoleView *self)
{
  if (self->closing || self->location == NULL)
    return;
  show_status (self, "network-offline-symbolic", _("Console Disconnected"),
               _("Reconnecting…"), TRUE);
  schedule_retry (self);
}

static void
display_error_cb (XpVncDisplay  *display,
                  const char    *message,
                  XpConsoleView *self)
{
  if (self->location == NULL)
    return;
  show_status (self, "dialog-warning-symbolic", _("Could Not Open the Console"), message, TRUE);
  schedule_retry (self);
}

/* ------------------------------------------------------------------------ */
/* Toolbar                                                                  */

static void
ctrl_alt_del_clicked (GtkButton     *button,
                      XpConsoleView *self)
{
  xp_vnc_display_send_ctrl_alt_del (self->display);
  gtk_widget_grab_focus (GTK_WIDGET (self->display));
}

static void
apply_scaling (XpConsoleView *self,
               gboolean       fit)
{
  xp_vnc_display_set_scaling (self->display, fit ? XP_VNC_SCALING_FIT : XP_VNC_SCALING_NONE);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scroller),
                                  fit ? GTK_POLICY_NEVER : GTK_POLICY_AUTOMATIC,
                                  fit ? GTK_POLICY_NEVER : GTK_POLICY_AUTOMATIC);
}

static void
scale_toggled (GtkToggleButton *button,
               XpConsoleView   *self)
{
  apply_scaling (self, gtk_toggle_button_get_active (button));
}

static gboolean
window_close_request (GtkWindow     *window,
                      XpConsoleView *self)
{
  xp_console_view_set_undocked (self, FALSE);
  return TRUE;   /* set_undocked destroyed it */
}

static void
fullscreen_clicked (GtkButton     *button,
                    XpConsoleView *self)
{
  if (self->window == NULL)
    xp_console_view_set_undocked (self, TRUE);
  if (gtk_window_is_fullscreen (self->window))
    gtk_window_unfullscreen (self->window);
  else
    gtk_window_fullscreen (self->window);
  gtk_widget_grab_focus (GTK_WIDGET (self->display));
}

static void
undock_toggled (GtkToggleButton *button,
                XpConsoleView   *self)
{
  xp_console_view_set_undocked (self, gtk_toggle_button_get_active (button));
}

static void
undock_requested_cb (XpVncDisplay  *display,
                     XpConsoleView *self)
{
  xp_console_view_set_undocked (self, self->window == NULL);
}

static void
grab_notify_cb (XpVncDisplay  *display,
                GParamSpec    *pspec,
                XpConsoleView *self)
{
  gtk_widget_set_visible (self->hint_label, xp_vnc_display_get_grabbed (display));
}

static void
grab_toggled (GtkToggleButton *button,
              XpConsoleView   *self)
{
  if (gtk_toggle_button_get_active (button))
    gtk_widget_grab_focus (GTK_WIDGET (self->display));
}

static void
clipboard_text_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(XpConsoleView) self = user_data;
  g_autofree char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);

  if (text != NULL && self->display != NULL)
    xp_vnc_display_type_text (self->display, text);
}

static void
type_clipboard_clicked (GtkButton     *button,
                        XpConsoleView *self)
{
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (self)), NULL,
                                 clipboard_text_cb, g_object_ref (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->display));
}

static void
retry_clicked (GtkButton     *button,
               XpConsoleView *self)
{
  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->location != NULL)
    open_console (self);
  else
    resolve (self);
}

static void
dock_clicked (GtkButton     *button,
              XpConsoleView *self)
{
  xp_console_view_set_undocked (self, FALSE);
}

static GtkWidget *
tool_button (GtkWidget  *box,
             GType       type,
             const char *icon,
             const char *label,
             const char *tooltip)
{
  GtkWidget *button = g_object_new (type, NULL);

  if (icon != NULL)
    gtk_button_set_icon_name (GTK_BUTTON (button), icon);
  else
    gtk_button_set_label (GTK_BUTTON (button), label);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_box_append (GTK_BOX (box), button);
  return button;
}

/* Default scaling from GSettings when the schema is installed ("fit",
 * "none"/"1:1"/"original" as a string or an enum nick, or a boolean). */
static gboolean
default_scale_to_fit (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GSettingsSchemaKey) key = NULL;
  g_autoptr(GVariant) value = NULL;

  if (source == NULL)
    return TRUE;
  schema = g_settings_schema_source_lookup (source, SCHEMA_ID, TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, "console-scaling"))
    return TRUE;
  settings = g_settings_new_full (schema, NULL, NULL);
  value = g_settings_get_value (settings, "console-scaling");
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    return g_variant_get_boolean (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    {
      const char *s = g_variant_get_string (value, NULL);
      return !(g_str_equal (s, "none") || g_str_equal (s, "1:1") || g_str_equal (s, "original") ||
               g_str_equal (s, "actual-size"));
    }
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* GObject                                                                  */

static void
xp_console_view_dispose (GObject *object)
{
  XpConsoleView *self = XP_CONSOLE_VIEW (object);

  disconnect_object (self);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->display != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->display, self);
      self->closing = TRUE;
      xp_vnc_display_close (self->display);
    }
  if (self->window != NULL)
    {
      GtkWindow *window = g_steal_pointer (&self->window);

      g_signal_handlers_disconnect_by_data (window, self);
      gtk_window_set_child (window, NULL);
      gtk_window_destroy (window);
    }
  if (self->content != NULL && gtk_widget_get_parent (self->content) == GTK_WIDGET (self))
    gtk_widget_unparent (self->content);
  g_clear_object (&self->content);
  g_clear_pointer (&self->placeholder, gtk_widget_unparent);
  self->display = NULL;

  G_OBJECT_CLASS (xp_console_view_parent_class)->dispose (object);
}

static void
xp_console_view_finalize (GObject *object)
{
  XpConsoleView *self = XP_CONSOLE_VIEW (object);

  g_free (self->key);
  g_free (self->location);
  G_OBJECT_CLASS (xp_console_view_parent_class)->finalize (object);
}

static void
xp_console_view_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  XpConsoleView *self = XP_CONSOLE_VIEW (object);

  switch (prop_id)
    {
    case PROP_OBJECT:
      g_value_set_object (value, self->object);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xp_console_view_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  XpConsoleView *self = XP_CONSOLE_VIEW (object);

  switch (prop_id)
    {
    case PROP_OBJECT:
      xp_console_view_set_object (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xp_console_view_class_init (XpConsoleViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = xp_console_view_dispose;
  object_class->finalize = xp_console_view_finalize;
  object_class->get_property = xp_console_view_get_property;
  object_class->set_property = xp_console_view_set_property;

  properties[PROP_OBJECT] =
    g_param_spec_object ("object", NULL, NULL, XAPI_TYPE_OBJECT,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "consoleview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
xp_console_view_init (XpConsoleView *self)
{
  GtkWidget *box, *button, *sep;
  gboolean fit = default_scale_to_fit ();

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Console"), -1);

  self->content = g_object_ref_sink (gtk_box_new (GTK_ORIENTATION_VERTICAL, 0));
  gtk_widget_set_parent (self->content, GTK_WIDGET (self));

  /* toolbar */
  self->toolbar = box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_add_css_class (box, "toolbar");
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Console tools"), -1);
  gtk_box_append (GTK_BOX (self->content), box);

  self->display = XP_VNC_DISPLAY (xp_vnc_display_new ());

  button = tool_button (box, GTK_TYPE_BUTTON, NULL, _("Ctrl+Alt+Del"),
                        _("Send Ctrl+Alt+Del to the console (Ctrl+Alt+Insert inside it)"));
  g_signal_connect (button, "clicked", G_CALLBACK (ctrl_alt_del_clicked), self);

  sep = gtk_separator_new (GTK_ORIENTATION_VERTICAL);
  gtk_box_append (GTK_BOX (box), sep);

  self->scale_button = tool_button (box, GTK_TYPE_TOGGLE_BUTTON, "zoom-fit-best-symbolic",
                                    _("Scale to fit"), _("Scale to fit the window, or show at 1:1"));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->scale_button), fit);
  g_signal_connect (self->scale_button, "toggled", G_CALLBACK (scale_toggled), self);

  button = tool_button (box, GTK_TYPE_BUTTON, "view-fullscreen-symbolic", _("Full screen"),
                        _("Show the console full screen (Ctrl+Alt+F inside it)"));
  g_signal_connect (button, "clicked", G_CALLBACK (fullscreen_clicked), self);

  self->undock_button = tool_button (box, GTK_TYPE_TOGGLE_BUTTON, "window-new-symbolic",
                                     _("Undock"), _("Move the console into its own window, or back"));
  g_signal_connect (self->undock_button, "toggled", G_CALLBACK (undock_toggled), self);

  sep = gtk_separator_new (GTK_ORIENTATION_VERTICAL);
  gtk_box_append (GTK_BOX (box), sep);

  self->grab_button = tool_button (box, GTK_TYPE_TOGGLE_BUTTON, "input-keyboard-symbolic",
                                   _("Grab keyboard"),
                                   _("Send all keys, system shortcuts included, to the console"));
  g_object_bind_property (self->display, "grabbed", self->grab_button, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_signal_connect (self->grab_button, "toggled", G_CALLBACK (grab_toggled), self);

  button = tool_button (box, GTK_TYPE_BUTTON, "edit-paste-symbolic", _("Type clipboard"),
                        _("Type the clipboard text into the console as key strokes"));
  g_signal_connect (button, "clicked", G_CALLBACK (type_clipboard_clicked), self);

  self->hint_label = gtk_label_new (_("Keyboard grabbed: press Ctrl+Alt to release it"));
  gtk_widget_add_css_class (self->hint_label, "dim-label");
  gtk_widget_set_hexpand (self->hint_label, TRUE);
  gtk_widget_set_halign (self->hint_label, GTK_ALIGN_END);
  gtk_widget_set_visible (self->hint_label, FALSE);
  gtk_box_append (GTK_BOX (box), self->hint_label);

  /* pages */
  self->stack = gtk_stack_new ();
  gtk_widget_set_vexpand (self->stack, TRUE);
  gtk_box_append (GTK_BOX (self->content), self->stack);

  self->scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scroller), GTK_WIDGET (self->display));
  gtk_stack_add_named (GTK_STACK (self->stack), self->scroller, "console");
  apply_scaling (self, fit);

  self->status = ADW_STATUS_PAGE (adw_status_page_new ());
  self->retry_button = gtk_button_new_with_mnemonic (_("_Retry"));
  gtk_widget_set_halign (self->retry_button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (self->retry_button, "pill");
  g_signal_connect (self->retry_button, "clicked", G_CALLBACK (retry_clicked), self);
  adw_status_page_set_child (self->status, self->retry_button);
  gtk_stack_add_named (GTK_STACK (self->stack), GTK_WIDGET (self->status), "status");

  /* shown in place of the console while it has its own window */
  self->placeholder = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (self->placeholder), "window-new-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (self->placeholder), _("The Console Is in Its Own Window"));
  button = gtk_button_new_with_mnemonic (_("_Dock"));
  gtk_widget_set_halign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "pill");
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Dock the console"), -1);
  g_signal_connect (button, "clicked", G_CALLBACK (dock_clicked), self);
  adw_status_page_set_child (ADW_STATUS_PAGE (self->placeholder), button);
  gtk_widget_set_visible (self->placeholder, FALSE);
  gtk_widget_set_parent (self->placeholder, GTK_WIDGET (self));

  g_signal_connect (self->display, "connected", G_CALLBACK (display_connected_cb), self);
  g_signal_connect (self->display, "disconnected", G_CALLBACK (display_disconnected_cb), self);
  g_signal_connect (self->display, "error", G_CALLBACK (display_error_cb), self);
  g_signal_connect (self->display, "undock-requested", G_CALLBACK (undock_requested_cb), self);
  g_signal_connect (self->display, "notify::grabbed", G_CALLBACK (grab_notify_cb), self);

  resolve (self);
}

/* ------------------------------------------------------------------------ */
/* Public API                                                               */

GtkWidget *
xp_console_view_new (void)
{
  return g_object_new (XP_TYPE_CONSOLE_VIEW, NULL);
}

void
xp_console_view_set_object (XpConsoleView *self,
                            XapiObject    *object)
{
  g_return_if_fail (XP_IS_CONSOLE_VIEW (self));
  g_return_if_fail (object == NULL || XAPI_IS_OBJECT (object));

  if (self->object == object)
    return;

  disconnect_object (self);
  close_console (self);
  if (object != NULL)
    {
      XapiConnection *connection = xapi_object_get_connection (object);

      self->object = g_object_ref (object);
      self->notify_id = g_signal_connect (object, "notify", G_CALLBACK (object_notify_cb), self);
      if (connection != NULL)
        {
          self->connection = g_object_ref (connection);
          self->cache = xapi_connection_get_cache (connection);
          if (self->cache != NULL)
            {
              g_object_ref (self->cache);
              self->batch_id = g_signal_connect (self->cache, "batch-applied",
                                                 G_CALLBACK (batch_applied_cb), self);
            }
          g_signal_connect (connection, "notify::state", G_CALLBACK (connection_notify_cb), self);
        }
    }
  resolve (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OBJECT]);
}

XapiObject *
xp_console_view_get_object (XpConsoleView *self)
{
  g_return_val_if_fail (XP_IS_CONSOLE_VIEW (self), NULL);
  return self->object;
}

static char *
window_title (XpConsoleView *self)
{
  const char *name = NULL;

  if (self->object != NULL && XAPI_IS_VM (self->object))
    name = xapi_vm_get_name_label (XAPI_VM (self->object));
  else if (self->object != NULL && XAPI_IS_HOST (self->object))
    name = xapi_host_get_name_label (XAPI_HOST (self->object));
  return name ? g_strdup_printf (_("Console of %s"), name) : g_strdup (_("Console"));
}

void
xp_console_view_set_undocked (XpConsoleView *self,
                              gboolean       undocked)
{
  g_return_if_fail (XP_IS_CONSOLE_VIEW (self));

  if (undocked == (self->window != NULL))
    return;

  if (undocked)
    {
      g_autofree char *title = window_title (self);
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

      self->window = GTK_WINDOW (gtk_window_new ());
      gtk_window_set_title (self->window, title);
      gtk_window_set_default_size (self->window, 1024, 800);
      if (root != NULL && GTK_IS_WINDOW (root))
        gtk_window_set_application (self->window, gtk_window_get_application (GTK_WINDOW (root)));
      g_signal_connect (self->window, "close-request", G_CALLBACK (window_close_request), self);
      gtk_widget_unparent (self->content);
      gtk_window_set_child (self->window, self->content);
      gtk_widget_set_visible (self->placeholder, TRUE);
      gtk_window_present (self->window);
    }
  else
    {
      GtkWindow *window = g_steal_pointer (&self->window);

      g_signal_handlers_disconnect_by_data (window, self);
      gtk_window_set_child (window, NULL);
      gtk_window_destroy (window);
      gtk_widget_set_visible (self->placeholder, FALSE);
      gtk_widget_insert_after (self->content, GTK_WIDGET (self), NULL);
    }

  g_signal_handlers_block_by_func (self->undock_button, undock_toggled, self);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->undock_button), undocked);
  g_signal_handlers_unblock_by_func (self->undock_button, undock_toggled, self);
  gtk_widget_grab_focus (GTK_WIDGET (self->display));
}

gboolean
xp_console_view_get_undocked (XpConsoleView *self)
{
  g_return_val_if_fail (XP_IS_CONSOLE_VIEW (self), FALSE);
  return self->window != NULL;
}

XpVncDisplay *
xp_console_view_get_display (XpConsoleView *self)
{
  g_return_val_if_fail (XP_IS_CONSOLE_VIEW (self), NULL);
  return self->display;
}

const char *
xp_console_view_get_page (XpConsoleView *self)
{
  g_return_val_if_fail (XP_IS_CONSOLE_VIEW (self), NULL);
  return gtk_stack_get_visible_child_name (GTK_STACK (self->stack));
}

const char *
xp_console_view_get_status_title (XpConsoleView *self)
{
  g_return_val_if_fail (XP_IS_CONSOLE_VIEW (self), NULL);
  return adw_status_page_get_title (self->status);
}

const char *
xp_console_view_get_location (XpConsoleView *self)
{
  g_return_val_if_fail (XP_IS_CONSOLE_VIEW (self), NULL);
  return self->location;
}
