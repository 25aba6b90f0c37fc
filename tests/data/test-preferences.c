/* test-preferences.c: the Preferences window and the shortcuts window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs with GSETTINGS_BACKEND=memory and GSETTINGS_SCHEMA_DIR pointing at
 * the schema compiled in the build directory (data/).
 */
#include "config.h"

#include <adwaita.h>

#include "xp-preferences-dialog.h"

static GSettings *
new_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  g_assert_nonnull (source);
  schema = g_settings_schema_source_lookup (source, "io.github.xenpools.XenPools", TRUE);
  g_assert_nonnull (schema);
  return g_settings_new_full (schema, NULL, NULL);
}

static GtkWidget *
find_named (GtkWidget  *root,
            const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_named (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_schema_defaults (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  g_autofree char *scaling = g_settings_get_string (settings, "console-scaling");
  g_autofree char *view = g_settings_get_string (settings, "sidebar-view");

  g_assert_cmpstr (scaling, ==, "fit");
  g_assert_true (g_settings_get_boolean (settings, "confirm-destructive"));
  g_assert_true (g_settings_get_boolean (settings, "auto-connect"));
  g_assert_false (g_settings_get_boolean (settings, "show-templates"));
  g_assert_cmpstr (view, ==, "infrastructure");
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 1200);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 800);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));

  /* console-scaling only takes the two documented values. */
  g_assert_true (g_settings_set_string (settings, "console-scaling", "native"));
  g_settings_reset (settings, "console-scaling");
}

static void
test_switches_follow_settings (void)
{
  const char *keys[] = { "confirm-destructive", "auto-connect", "show-templates" };
  g_autoptr(GSettings) settings = new_settings ();
  XpPreferencesDialog *dialog = xp_preferences_dialog_new (settings);

  g_object_ref_sink (dialog);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      GtkWidget *toggle = find_named (GTK_WIDGET (dialog), keys[i]);
      gboolean initial = g_settings_get_boolean (settings, keys[i]);

      g_assert_true (GTK_IS_SWITCH (toggle));
      g_assert_true (gtk_widget_is_sensitive (toggle));
      g_assert_cmpint (gtk_switch_get_active (GTK_SWITCH (toggle)), ==, initial);

      /* Widget → settings. */
      gtk_switch_set_active (GTK_SWITCH (toggle), !initial);
      g_assert_cmpint (g_settings_get_boolean (settings, keys[i]), ==, !initial);

      /* Settings → widget. */
      g_settings_set_boolean (settings, keys[i], initial);
      g_assert_cmpint (gtk_switch_get_active (GTK_SWITCH (toggle)), ==, initial);
    }

  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_finalize_object (dialog);
}

static void
test_scaling_combo (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  XpPreferencesDialog *dialog = xp_preferences_dialog_new (settings);
  GtkWidget *combo;

  g_object_ref_sink (dialog);
  combo = find_named (GTK_WIDGET (dialog), "console-scaling");
  g_assert_true (ADW_IS_COMBO_ROW (combo));
  g_assert_cmpuint (g_list_model_get_n_items (adw_combo_row_get_model (ADW_COMBO_ROW (combo))), ==, 2);
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (combo)), ==, 0);

  adw_combo_row_set_selected (ADW_COMBO_ROW (combo), 1);
  {
    g_autofree char *value = g_settings_get_string (settings, "console-scaling");
    g_assert_cmpstr (value, ==, "native");
  }

  g_settings_set_string (settings, "console-scaling", "fit");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (combo)), ==, 0);

  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_finalize_object (dialog);
}

static void
test_without_schema (void)
{
  XpPreferencesDialog *dialog = xp_preferences_dialog_new (NULL);
  GtkWidget *toggle;

  g_object_ref_sink (dialog);
  toggle = find_named (GTK_WIDGET (dialog), "auto-connect");
  g_assert_true (GTK_IS_SWITCH (toggle));
  g_assert_false (gtk_widget_is_sensitive (toggle));
  g_assert_false (gtk_widget_is_sensitive (find_named (GTK_WIDGET (dialog), "console-scaling")));

  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_finalize_object (dialog);
}

static void
test_help_overlay (void)
{
  g_autoptr(GtkBuilder) builder = NULL;
  g_autoptr(GSList) objects = NULL;
  GObject *overlay;
  guint shortcuts = 0;

  if (!g_resources_get_info ("/io/github/xenpools/XenPools/gtk/help-overlay.ui",
                             G_RESOURCE_LOOKUP_FLAGS_NONE, NULL, NULL, NULL))
    {
      g_test_skip ("the app's GResource has no gtk/help-overlay.ui");
      return;
    }

  builder = gtk_builder_new_from_resource ("/io/github/xenpools/XenPools/gtk/help-overlay.ui");
  overlay = gtk_builder_get_object (builder, "help_overlay");
  g_assert_true (GTK_IS_SHORTCUTS_WINDOW (overlay));

  objects = gtk_builder_get_objects (builder);
  for (GSList *l = objects; l != NULL; l = l->next)
    {
      if (GTK_IS_SHORTCUTS_SHORTCUT (l->data))
        {
          g_autofree char *accel = NULL;
          g_autofree char *title = NULL;

          g_object_get (l->data, "accelerator", &accel, "title", &title, NULL);
          g_assert_nonnull (accel);
          g_assert_nonnull (title);
          g_assert_cmpstr (title, !=, "");
          shortcuts++;
        }
    }
  g_assert_cmpuint (shortcuts, >=, 12);

  gtk_window_destroy (GTK_WINDOW (overlay));
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/data/schema/defaults", test_schema_defaults);
  g_test_add_func ("/data/preferences/switches", test_switches_follow_settings);
  g_test_add_func ("/data/preferences/scaling", test_scaling_combo);
  g_test_add_func ("/data/preferences/without-schema", test_without_schema);
  g_test_add_func ("/data/help-overlay", test_help_overlay);

  return g_test_run ();
}
