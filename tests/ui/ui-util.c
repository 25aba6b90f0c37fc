/* ui-util.c: prerequisites and widget lookups shared by the in-process UI tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ui-util.h"

#include "sim-fixture.h"

gboolean
xp_test_have_sim_and_display (void)
{
  if (xapi_sim_path () == NULL)
    {
      g_test_skip ("xapi-sim not found (set XAPI_SIM)");
      return FALSE;
    }
  if (gdk_display_get_default () == NULL)
    {
      g_test_skip ("no display (run under xvfb-run)");
      return FALSE;
    }
  return TRUE;
}

GtkWidget *
xp_test_find (GtkWidget  *root,
              gboolean  (*match) (GtkWidget *widget,
                                  gpointer   data),
              gpointer    data)
{
  if (match (root, data))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = xp_test_find (c, match, data);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
is_named (GtkWidget *widget,
          gpointer   name)
{
  return g_strcmp0 (gtk_widget_get_name (widget), name) == 0;
}

GtkWidget *
xp_test_find_named (GtkWidget  *root,
                    const char *name)
{
  return xp_test_find (root, is_named, (gpointer) name);
}

GtkWidget *
xp_test_get (GtkWindow  *win,
             const char *name)
{
  GtkWidget *w = xp_test_find_named (GTK_WIDGET (win), name);

  g_assert_nonnull (w);
  return w;
}
