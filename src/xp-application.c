/* xp-application.c: the XenPools application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Single instance: a second `xenpools [--connect URL] [--demo]` hands its
 * command line to the running instance (G_APPLICATION_HANDLES_COMMAND_LINE),
 * which focuses its window.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "xp-application.h"
#include "xp-connection-dialogs.h"
#include "xp-demo.h"
#include "xp-resources.h"
#include "xp-window.h"

#ifdef HAVE_XP_PREFERENCES
#include "xp-preferences-dialog.h"
#endif
#ifdef HAVE_XP_PAGES
#include "actions/xp-object-actions.h"
#endif

struct _XpApplication
{
  AdwApplication     parent_instance;

  XpConnectionStore *store;
  GSettings         *settings;
  XpDemo            *demo;
  gboolean           started;
};

G_DEFINE_FINAL_TYPE (XpApplication, xp_application, ADW_TYPE_APPLICATION)

GSettings *
xp_settings_new_if_available (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source == NULL)
    return NULL;
  schema = g_settings_schema_source_lookup (source, "io.github.xenpools.XenPools", TRUE);
  if (schema == NULL)
    return NULL;
  return g_settings_new_full (schema, NULL, NULL);
}

XpConnectionStore *
xp_application_get_connection_store (XpApplication *self)
{
  g_return_val_if_fail (XP_IS_APPLICATION (self), NULL);
  return self->store;
}

GSettings *
xp_application_get_settings (XpApplication *self)
{
  g_return_val_if_fail (XP_IS_APPLICATION (self), NULL);
  return self->settings;
}

static XpWindow *
get_window (XpApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (xp_window_new (self));
  return XP_WINDOW (window);
}

static void
xp_application_activate (GApplication *app)
{
  gtk_window_present (GTK_WINDOW (get_window (XP_APPLICATION (app))));
}

static void
demo_started_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(XpApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!xp_demo_start_finish (XP_DEMO (source), result, &error))
    {
      GtkWindow *window = GTK_WINDOW (get_window (self));
      GtkWidget *dialog = adw_message_dialog_new (window, _("The Demo Could Not Start"),
                                                  error->message);

      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
    }
}

static void
start_demo (XpApplication *self)
{
  if (self->demo != NULL)
    return;
  self->demo = xp_demo_new (self->store);
  xp_demo_start_async (self->demo, NULL, demo_started_cb, g_object_ref (self));
}

static void
open_connect_uri (XpApplication *self,
                  const char    *address)
{
  XpWindow *window = get_window (self);
  XapiConnection *conn = xp_connection_store_find (self->store, address);

  gtk_window_present (GTK_WINDOW (window));
  if (conn != NULL)
    {
      XapiConnectionState state = xapi_connection_get_state (conn);

      if (state == XAPI_CONNECTION_STATE_DISCONNECTED || state == XAPI_CONNECTION_STATE_FAILED)
        xp_connection_store_connect (self->store, conn, NULL);
      xp_window_show_connection (window, conn);
    }
  else
    xp_add_server_dialog_present (GTK_WINDOW (window), self->store, address);
}

static int
xp_application_command_line (GApplication            *app,
                             GApplicationCommandLine *cmdline)
{
  XpApplication *self = XP_APPLICATION (app);
  GVariantDict *options = g_application_command_line_get_options_dict (cmdline);
  g_autofree const char **connect = NULL;
  gboolean demo = FALSE;

  g_variant_dict_lookup (options, "demo", "b", &demo);
  g_variant_dict_lookup (options, "connect", "^a&s", &connect);

  g_application_activate (app);
  if (demo)
    start_demo (self);
  for (guint i = 0; connect != NULL && connect[i] != NULL; i++)
    open_connect_uri (self, connect[i]);
  return 0;
}

static int
xp_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("xenpools %s\n", PACKAGE_VERSION);
      return 0;
    }
  return -1;
}

/* ---- app actions ---- */

static void
quit_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (user_data));

  /* Close the windows (they save their size); the app then exits. */
  while (windows != NULL)
    {
      GList *next = windows->next;
      gtk_window_close (windows->data);
      windows = next;
    }
  g_application_quit (G_APPLICATION (user_data));
}

static void
about_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  XpApplication *self = user_data;
  const char *developers[] = { _("The XenPools contributors"), NULL };
  GtkWidget *about = adw_about_window_new ();

  gtk_window_set_transient_for (GTK_WINDOW (about),
                                gtk_application_get_active_window (GTK_APPLICATION (self)));
  adw_about_window_set_application_name (ADW_ABOUT_WINDOW (about), _("XenPools"));
  adw_about_window_set_application_icon (ADW_ABOUT_WINDOW (about), APP_ID);
  adw_about_window_set_version (ADW_ABOUT_WINDOW (about), PACKAGE_VERSION);
  adw_about_window_set_comments (ADW_ABOUT_WINDOW (about),
                                 _("Manage XenServer and XCP-ng pools"));
  adw_about_window_set_developers (ADW_ABOUT_WINDOW (about), developers);
  adw_about_window_set_license_type (ADW_ABOUT_WINDOW (about), GTK_LICENSE_GPL_3_0);
  adw_about_window_set_translator_credits (ADW_ABOUT_WINDOW (about), _("translator-credits"));
  gtk_window_present (GTK_WINDOW (about));
}

/* The default action of a "task finished" notification. */
static void
show_tasks_action (GSimpleAction *action,
                   GVariant      *param,
                   gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  if (!XP_IS_WINDOW (window))
    return;
  xp_window_show_page (XP_WINDOW (window), "tasks");
  gtk_window_present (window);
}

#ifdef HAVE_XP_PREFERENCES
static void
preferences_action (GSimpleAction *action,
                    GVariant      *param,
                    gpointer       user_data)
{
  xp_preferences_dialog_present (gtk_application_get_active_window (GTK_APPLICATION (user_data)));
}
#endif

static const GActionEntry app_entries[] = {
  { "quit", quit_action },
  { "about", about_action },
  { "show-tasks", show_tasks_action },
#ifdef HAVE_XP_PREFERENCES
  { "preferences", preferences_action },
#endif
};

static void
xp_application_startup (GApplication *app)
{
  XpApplication *self = XP_APPLICATION (app);
  g_autoptr(GError) error = NULL;
  const struct {
    const char *action;
    const char *accels[3];
  } accels[] = {
    { "app.quit", { "<Primary>q", NULL } },
    { "win.add-server", { "<Primary><Shift>o", NULL } },
    { "win.focus-search", { "<Primary>f", NULL } },
    { "win.show-page('details')", { "<Alt>1", NULL } },
    { "win.show-page('tasks')", { "<Alt>2", NULL } },
    { "win.show-page('alerts')", { "<Alt>3", NULL } },
#ifdef HAVE_XP_PREFERENCES
    { "app.preferences", { "<Primary>comma", NULL } },
#endif
  };

  G_APPLICATION_CLASS (xp_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_entries, G_N_ELEMENTS (app_entries), self);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), accels[i].action, accels[i].accels);
#ifdef HAVE_XP_PAGES
  xp_object_actions_set_accels (GTK_APPLICATION (self));
#endif

  self->settings = xp_settings_new_if_available ();
  self->store = xp_connection_store_new (NULL);
  if (!xp_connection_store_load (self->store, &error))
    g_warning ("Could not read the saved connections: %s", error->message);
  if (self->settings == NULL || g_settings_get_boolean (self->settings, "auto-connect"))
    xp_connection_store_auto_connect (self->store);
  self->started = TRUE;
}

static void
xp_application_shutdown (GApplication *app)
{
  XpApplication *self = XP_APPLICATION (app);

  if (self->demo != NULL)
    xp_demo_stop (self->demo);
  if (self->store != NULL)
    xp_connection_store_close_all (self->store);
  G_APPLICATION_CLASS (xp_application_parent_class)->shutdown (app);
}

static void
xp_application_dispose (GObject *object)
{
  XpApplication *self = XP_APPLICATION (object);

  g_clear_object (&self->demo);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (xp_application_parent_class)->dispose (object);
}

static void
xp_application_class_init (XpApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = xp_application_dispose;
  app_class->activate = xp_application_activate;
  app_class->startup = xp_application_startup;
  app_class->shutdown = xp_application_shutdown;
  app_class->command_line = xp_application_command_line;
  app_class->handle_local_options = xp_application_handle_local_options;
}

static void
xp_application_init (XpApplication *self)
{
  const GOptionEntry entries[] = {
    { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Start simulated demo pools on this computer and connect to them"), NULL },
    { "connect", 'c', 0, G_OPTION_ARG_STRING_ARRAY, NULL,
      N_("Open or focus the connection to a server (host[:port] or https://host:port)"), N_("URL") },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Manage XenServer and XCP-ng pools."));
}

XpApplication *
xp_application_new (void)
{
  /* Referencing the bundle keeps it (and its registration) in the link
   * from the static library. */
  (void) xp_get_resource ();
  return g_object_new (XP_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE,
                       "resource-base-path", "/io/github/xenpools/XenPools",
                       NULL);
}
