/* xp-connection-dialogs.c: Add Server and certificate trust dialogs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <xapi-error.h>

#include "xp-connection-dialogs.h"

char *
xp_describe_connect_error (const GError *error)
{
  if (error == NULL)
    return g_strdup (_("The connection failed."));

  if (error->domain == XAPI_ERROR)
    {
      switch (error->code)
        {
        case XAPI_ERROR_SESSION_AUTHENTICATION_FAILED:
          return g_strdup (_("The user name or password is wrong."));
        case XAPI_ERROR_PROTOCOL:
        case XAPI_ERROR_HTTP:
        case XAPI_ERROR_MESSAGE_METHOD_UNKNOWN:
          return g_strdup (_("This server does not answer like a XenServer or XCP-ng host. Check the address and port."));
        case XAPI_ERROR_RBAC_PERMISSION_DENIED:
          return g_strdup (_("This user may not log in to the server."));
        default:
          {
            g_autofree char *text = xapi_error_describe (error, TRUE);
            return g_strdup (text);
          }
        }
    }
  if (error->domain == G_TLS_ERROR)
    return g_strdup (_("The server’s certificate is not trusted."));
  if (error->domain == G_RESOLVER_ERROR)
    return g_strdup (_("The server name could not be found. Check the address."));
  if (error->domain == G_IO_ERROR)
    {
      switch (error->code)
        {
        case G_IO_ERROR_CONNECTION_REFUSED:
        case G_IO_ERROR_HOST_UNREACHABLE:
        case G_IO_ERROR_NETWORK_UNREACHABLE:
        case G_IO_ERROR_TIMED_OUT:
        case G_IO_ERROR_HOST_NOT_FOUND:
          return g_strdup_printf (_("The server could not be reached (%s)."), error->message);
        default:
          break;
        }
    }
  return g_strdup_printf (_("The connection failed: %s"), error->message);
}

/* ------------------------------------------------------------------------ */
/* Add Server                                                               */

typedef struct {
  GtkWindow         *dialog;
  XpConnectionStore *store;
  XapiConnection    *conn;        /* the one being tried */
  gulong             state_id;
  GtkWidget         *address;
  GtkWidget         *user;
  GtkWidget         *password;
  GtkWidget         *remember;
  GtkWidget         *auto_connect;
  GtkWidget         *error_label;
  GtkWidget         *connect_button;
  GtkWidget         *spinner;
} AddServer;

static void
add_server_stop_watching (AddServer *as)
{
  if (as->conn != NULL)
    {
      g_clear_signal_handler (&as->state_id, as->conn);
      g_clear_object (&as->conn);
    }
}

static void
add_server_free (gpointer data)
{
  AddServer *as = data;

  add_server_stop_watching (as);
  g_clear_object (&as->store);
  g_free (as);
}

static void
add_server_set_busy (AddServer *as,
                     gboolean   busy)
{
  gtk_widget_set_sensitive (as->connect_button, !busy);
  gtk_spinner_set_spinning (GTK_SPINNER (as->spinner), busy);
  gtk_widget_set_visible (as->spinner, busy);
}

static void
add_server_show_error (AddServer  *as,
                       const char *text)
{
  gtk_label_set_text (GTK_LABEL (as->error_label), text);
  gtk_widget_set_visible (as->error_label, text != NULL);
}

static void
add_server_state_cb (XapiConnection *conn,
                     GParamSpec     *pspec,
                     AddServer      *as)
{
  switch (xapi_connection_get_state (conn))
    {
    case XAPI_CONNECTION_STATE_SYNCING:
    case XAPI_CONNECTION_STATE_CONNECTED:
      /* Logged in: the sidebar shows the rest. */
      gtk_window_destroy (as->dialog);
      break;
    case XAPI_CONNECTION_STATE_FAILED:
    case XAPI_CONNECTION_STATE_DISCONNECTED:
      {
        const GError *error = xapi_connection_get_error (conn);
        g_autofree char *text = NULL;

        if (error == NULL && xapi_connection_get_state (conn) == XAPI_CONNECTION_STATE_DISCONNECTED)
          return;
        text = xp_describe_connect_error (error);
        add_server_show_error (as, text);
        add_server_set_busy (as, FALSE);
      }
      break;
    case XAPI_CONNECTION_STATE_RECONNECTING:
      {
        g_autofree char *text = xp_describe_connect_error (xapi_connection_get_error (conn));
        add_server_show_error (as, text);
        add_server_set_busy (as, FALSE);
      }
      break;
    default:
      break;
    }
}

static void
add_server_connect_cb (GtkButton *button,
                       AddServer *as)
{
  const char *address = gtk_editable_get_text (GTK_EDITABLE (as->address));
  const char *user = gtk_editable_get_text (GTK_EDITABLE (as->user));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (as->password));
  XpConnectionFlags flags = 0;
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  XapiConnection *conn;

  add_server_show_error (as, NULL);
  uri = xp_connection_address_to_uri (address, &error);
  if (uri == NULL)
    {
      add_server_show_error (as, error->message);
      return;
    }
  if (*user == '\0')
    {
      add_server_show_error (as, _("Enter a user name."));
      return;
    }

  if (gtk_switch_get_active (GTK_SWITCH (as->remember)))
    flags |= XP_CONNECTION_REMEMBER_PASSWORD;
  if (gtk_switch_get_active (GTK_SWITCH (as->auto_connect)))
    flags |= XP_CONNECTION_AUTO_CONNECT;

  conn = xp_connection_store_find (as->store, address);
  if (conn != NULL && g_strcmp0 (xapi_connection_get_username (conn), user) != 0)
    {
      /* Same server, other user: replace the saved entry. */
      xp_connection_store_remove (as->store, conn);
      conn = NULL;
    }
  conn = xp_connection_store_add (as->store, address, user, flags, &error);
  if (conn == NULL)
    {
      add_server_show_error (as, error->message);
      return;
    }

  add_server_stop_watching (as);
  as->conn = g_object_ref (conn);
  as->state_id = g_signal_connect (conn, "notify::state", G_CALLBACK (add_server_state_cb), as);
  add_server_set_busy (as, TRUE);

  if (xapi_connection_get_state (conn) != XAPI_CONNECTION_STATE_DISCONNECTED &&
      xapi_connection_get_state (conn) != XAPI_CONNECTION_STATE_FAILED)
    xapi_connection_close_async (conn, NULL, NULL, NULL);
  xp_connection_store_connect (as->store, conn, password);
}

static GtkWidget *
switch_row (const char *title,
            const char *subtitle,
            gboolean    active,
            GtkWidget **out_switch)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *sw = gtk_switch_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_switch_set_active (GTK_SWITCH (sw), active);
  gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
  /* The activatable widget is labelled by the row's title: naming it again
   * would make GTK 4.8 read the title twice. */
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), sw);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), sw);
  *out_switch = sw;
  return row;
}

/* libadwaita 1.2's password row has an unnamed "peek" icon that acts as a
 * button: give it a name for assistive technologies. */
static void
name_peek_buttons (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      const char *icon = GTK_IS_IMAGE (child) ? gtk_image_get_icon_name (GTK_IMAGE (child)) : NULL;

      if (icon != NULL && (g_str_has_prefix (icon, "view-reveal") || g_str_has_prefix (icon, "view-conceal")))
        gtk_accessible_update_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                        _("Show or hide the password"), -1);
      name_peek_buttons (child);
    }
}

static GtkWidget *
entry_row (const char *title,
           gboolean    password)
{
  GtkWidget *row = password ? adw_password_entry_row_new () : adw_entry_row_new ();

  /* AdwEntryRow is labelled by its title already. */
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (password)
    name_peek_buttons (row);
  return row;
}

static void
entry_activate_cb (GtkWidget *row,
                   AddServer *as)
{
  if (gtk_widget_get_sensitive (as->connect_button))
    add_server_connect_cb (GTK_BUTTON (as->connect_button), as);
}

GtkWindow *
xp_add_server_dialog_present (GtkWindow         *parent,
                              XpConnectionStore *store,
                              const char        *address)
{
  AddServer *as = g_new0 (AddServer, 1);
  GtkWidget *window = adw_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *options = adw_preferences_group_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkEventController *keys;

  as->dialog = GTK_WINDOW (window);
  as->store = g_object_ref (store);
  g_object_set_data_full (G_OBJECT (window), "xp-add-server", as, add_server_free);

  gtk_window_set_title (GTK_WINDOW (window), _("Add Server"));
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  gtk_window_set_default_size (GTK_WINDOW (window), 460, -1);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (window), TRUE);

  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  g_signal_connect_swapped (cancel, "clicked", G_CALLBACK (gtk_window_destroy), window);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  as->connect_button = gtk_button_new_with_mnemonic (_("C_onnect"));
  gtk_widget_add_css_class (as->connect_button, "suggested-action");
  g_signal_connect (as->connect_button, "clicked", G_CALLBACK (add_server_connect_cb), as);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), as->connect_button);
  as->spinner = gtk_spinner_new ();
  gtk_widget_set_visible (as->spinner, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (as->spinner),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Connecting"), -1);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), as->spinner);
  gtk_box_append (GTK_BOX (box), header);

  gtk_widget_set_margin_start (content, 12);
  gtk_widget_set_margin_end (content, 12);
  gtk_widget_set_margin_top (content, 12);
  gtk_widget_set_margin_bottom (content, 12);

  as->address = entry_row (_("Server address"), FALSE);
  if (address != NULL)
    gtk_editable_set_text (GTK_EDITABLE (as->address), address);
  as->user = entry_row (_("User name"), FALSE);
  gtk_editable_set_text (GTK_EDITABLE (as->user), "root");
  as->password = entry_row (_("Password"), TRUE);
  g_signal_connect (as->address, "entry-activated", G_CALLBACK (entry_activate_cb), as);
  g_signal_connect (as->user, "entry-activated", G_CALLBACK (entry_activate_cb), as);
  g_signal_connect (as->password, "entry-activated", G_CALLBACK (entry_activate_cb), as);
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (as->password), FALSE);
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
                                         _("A pool master or any pool member, as “host” or “host:port”."));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), as->address);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), as->user);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), as->password);
  gtk_box_append (GTK_BOX (content), group);

  adw_preferences_group_add (ADW_PREFERENCES_GROUP (options),
                             switch_row (_("Remember password"), _("Kept in the keyring"),
                                         TRUE, &as->remember));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (options),
                             switch_row (_("Connect at start"), NULL, TRUE, &as->auto_connect));
  gtk_box_append (GTK_BOX (content), options);

  as->error_label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (as->error_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (as->error_label), 0.0);
  gtk_widget_add_css_class (as->error_label, "error");
  gtk_widget_set_visible (as->error_label, FALSE);
  gtk_box_append (GTK_BOX (content), as->error_label);

  adw_clamp_set_child (ADW_CLAMP (clamp), content);
  gtk_box_append (GTK_BOX (box), clamp);
  adw_window_set_content (ADW_WINDOW (window), box);

  /* Escape cancels, like Cancel */
  keys = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                          gtk_named_action_new ("window.close")));
  gtk_widget_add_controller (window, keys);

  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_grab_focus (as->address);
  return GTK_WINDOW (window);
}

/* ------------------------------------------------------------------------ */
/* Certificate                                                              */

typedef struct {
  XpTrustCallback callback;
  gpointer        user_data;
  GDestroyNotify  destroy;
  gboolean        done;
} TrustData;

static void
trust_data_free (gpointer data)
{
  TrustData *td = data;

  if (!td->done && td->callback != NULL)
    td->callback (FALSE, td->user_data);
  if (td->destroy != NULL)
    td->destroy (td->user_data);
  g_free (td);
}

static void
certificate_response_cb (AdwMessageDialog *dialog,
                         const char       *response,
                         TrustData        *td)
{
  td->done = TRUE;
  if (td->callback != NULL)
    td->callback (g_strcmp0 (response, "trust") == 0, td->user_data);
}

GtkWindow *
xp_certificate_dialog_present (GtkWindow       *parent,
                               const char      *server,
                               const char      *fingerprint,
                               gboolean         changed,
                               XpTrustCallback  callback,
                               gpointer         user_data,
                               GDestroyNotify   destroy)
{
  TrustData *td = g_new0 (TrustData, 1);
  GtkWidget *dialog;
  GtkWidget *label;
  g_autofree char *body = NULL;

  td->callback = callback;
  td->user_data = user_data;
  td->destroy = destroy;

  if (changed)
    body = g_strdup_printf (_("The certificate of %s has CHANGED since you last trusted it. "
                              "This happens when the server was reinstalled or its certificate "
                              "renewed, but it can also mean that someone is intercepting the "
                              "connection. Only accept it if you know why it changed.\n\n"
                              "New SHA-256 fingerprint:"), server);
  else
    body = g_strdup_printf (_("The identity of %s cannot be verified: its certificate is not "
                              "signed by an authority this computer trusts. Compare the "
                              "fingerprint below with the one shown on the server’s console "
                              "before you trust it.\n\nSHA-256 fingerprint:"), server);

  dialog = adw_message_dialog_new (parent,
                                   changed ? _("Certificate Changed") : _("Trust This Server?"),
                                   body);
  label = gtk_label_new (fingerprint);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_CHAR);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, "monospace");
  gtk_accessible_update_property (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  fingerprint, -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), label);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "trust", changed ? _("_Accept New Certificate") : _("_Trust"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "trust",
                                              changed ? ADW_RESPONSE_DESTRUCTIVE
                                                      : ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "xp-trust", td, trust_data_free);
  g_signal_connect (dialog, "response", G_CALLBACK (certificate_response_cb), td);
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WINDOW (dialog);
}
