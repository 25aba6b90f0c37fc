/* xp-preferences-dialog.c: the Preferences window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every row is bound to a key of the io.github.xenpools.XenPools schema, so
 * a change takes effect at once and there is no Apply button.  The rows are
 * built in code: the app's GResource belongs to src/, and four rows do not
 * need a template.  Without the schema (an uninstalled build run without
 * GSETTINGS_SCHEMA_DIR) the window still opens and says why it is empty.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "xp-application.h"
#include "xp-preferences-dialog.h"

struct _XpPreferencesDialog
{
  AdwPreferencesWindow parent_instance;

  GSettings           *settings;
};

G_DEFINE_FINAL_TYPE (XpPreferencesDialog, xp_preferences_dialog, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The order of the rows in the scaling combo; index = AdwComboRow:selected. */
static const char * const scaling_values[] = { "fit", "native" };

static gboolean
scaling_get_mapping (GValue   *value,
                     GVariant *variant,
                     gpointer  user_data)
{
  const char *s = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (scaling_values); i++)
    {
      if (g_str_equal (s, scaling_values[i]))
        {
          g_value_set_uint (value, i);
          return TRUE;
        }
    }
  return FALSE;
}

static GVariant *
scaling_set_mapping (const GValue       *value,
                     const GVariantType *expected_type,
                     gpointer            user_data)
{
  guint i = g_value_get_uint (value);

  if (i >= G_N_ELEMENTS (scaling_values))
    return NULL;
  return g_variant_new_string (scaling_values[i]);
}

static GtkWidget *
add_switch_row (XpPreferencesDialog *self,
                AdwPreferencesGroup *group,
                const char          *key,
                const char          *title,
                const char          *subtitle)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *toggle = gtk_switch_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (toggle),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, subtitle,
                                  -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
  gtk_widget_set_name (toggle, key);
  adw_preferences_group_add (group, row);

  if (self->settings != NULL)
    g_settings_bind (self->settings, key, toggle, "active", G_SETTINGS_BIND_DEFAULT);
  else
    gtk_widget_set_sensitive (row, FALSE);
  return toggle;
}

static void
build_rows (XpPreferencesDialog *self)
{
  AdwPreferencesPage *page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  AdwPreferencesGroup *console = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  AdwPreferencesGroup *behavior = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  AdwPreferencesGroup *sidebar = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  const char * const scaling_labels[] = {
    /* Translators: console scaling: the guest screen is scaled to the window. */
    _("Fit to Window"),
    /* Translators: console scaling: one guest pixel per screen pixel. */
    _("Native Size"),
    NULL
  };
  g_autoptr(GtkStringList) scaling_model = gtk_string_list_new (scaling_labels);
  GtkWidget *scaling = adw_combo_row_new ();

  adw_preferences_page_set_title (page, _("General"));
  adw_preferences_page_set_icon_name (page, "preferences-system-symbolic");

  adw_preferences_group_set_title (console, _("Console"));
  if (self->settings == NULL)
    adw_preferences_group_set_description (console,
      _("The settings schema is not installed, so preferences cannot be changed."));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (scaling), _("Default _Scaling"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (scaling), TRUE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (scaling),
                               _("How a console is shown when it opens"));
  adw_combo_row_set_model (ADW_COMBO_ROW (scaling), G_LIST_MODEL (scaling_model));
  gtk_widget_set_name (scaling, "console-scaling");
  adw_preferences_group_add (console, scaling);
  if (self->settings != NULL)
    g_settings_bind_with_mapping (self->settings, "console-scaling",
                                  scaling, "selected", G_SETTINGS_BIND_DEFAULT,
                                  scaling_get_mapping, scaling_set_mapping, NULL, NULL);
  else
    gtk_widget_set_sensitive (scaling, FALSE);

  adw_preferences_group_set_title (behavior, _("Behavior"));
  add_switch_row (self, behavior, "confirm-destructive",
                  _("_Confirm Destructive Actions"),
                  _("Ask before shutting down, rebooting or deleting"));
  add_switch_row (self, behavior, "auto-connect",
                  _("Connect at _Start"),
                  _("Reconnect to saved servers when XenPools starts"));

  adw_preferences_group_set_title (sidebar, _("Sidebar"));
  add_switch_row (self, sidebar, "show-templates",
                  _("Show _Templates"),
                  _("List virtual machine templates in the sidebar"));

  adw_preferences_page_add (page, console);
  adw_preferences_page_add (page, behavior);
  adw_preferences_page_add (page, sidebar);
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self), page);
}

static void
xp_preferences_dialog_constructed (GObject *object)
{
  XpPreferencesDialog *self = XP_PREFERENCES_DIALOG (object);

  G_OBJECT_CLASS (xp_preferences_dialog_parent_class)->constructed (object);

  gtk_window_set_title (GTK_WINDOW (self), _("Preferences"));
  gtk_window_set_default_size (GTK_WINDOW (self), 560, 520);
  adw_preferences_window_set_search_enabled (ADW_PREFERENCES_WINDOW (self), FALSE);
  build_rows (self);
}

static void
xp_preferences_dialog_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  XpPreferencesDialog *self = XP_PREFERENCES_DIALOG (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xp_preferences_dialog_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  XpPreferencesDialog *self = XP_PREFERENCES_DIALOG (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_set_object (&self->settings, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xp_preferences_dialog_dispose (GObject *object)
{
  XpPreferencesDialog *self = XP_PREFERENCES_DIALOG (object);

  g_clear_object (&self->settings);
  G_OBJECT_CLASS (xp_preferences_dialog_parent_class)->dispose (object);
}

static void
xp_preferences_dialog_class_init (XpPreferencesDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = xp_preferences_dialog_constructed;
  object_class->get_property = xp_preferences_dialog_get_property;
  object_class->set_property = xp_preferences_dialog_set_property;
  object_class->dispose = xp_preferences_dialog_dispose;

  /**
   * XpPreferencesDialog:settings:
   *
   * The io.github.xenpools.XenPools settings the rows edit, or %NULL when
   * the schema is not installed.
   */
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
xp_preferences_dialog_init (XpPreferencesDialog *self)
{
}

/**
 * xp_preferences_dialog_new:
 * @settings: (nullable): the io.github.xenpools.XenPools settings
 *
 * Returns: (transfer full): a new preferences window
 */
XpPreferencesDialog *
xp_preferences_dialog_new (GSettings *settings)
{
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  return g_object_new (XP_TYPE_PREFERENCES_DIALOG, "settings", settings, NULL);
}

/**
 * xp_preferences_dialog_present:
 * @parent: (nullable): the window to attach the preferences to
 *
 * Opens the preferences window, modal for @parent, reusing the settings of
 * the running #XpApplication when there is one.
 */
void
xp_preferences_dialog_present (GtkWindow *parent)
{
  GApplication *app = g_application_get_default ();
  g_autoptr(GSettings) settings = NULL;
  XpPreferencesDialog *self;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));

  if (app != NULL && XP_IS_APPLICATION (app) && xp_application_get_settings (XP_APPLICATION (app)) != NULL)
    settings = g_object_ref (xp_application_get_settings (XP_APPLICATION (app)));
  else
    settings = xp_settings_new_if_available ();

  self = xp_preferences_dialog_new (settings);
  if (parent != NULL)
    {
      gtk_window_set_transient_for (GTK_WINDOW (self), parent);
      gtk_window_set_modal (GTK_WINDOW (self), TRUE);
    }
  gtk_window_present (GTK_WINDOW (self));
}
