/* xp-page-logs.c: the Logs page (tasks and alerts of one object)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "xp-pages.h"
#include "xapi-classes.h"
#include "xapi-task-ops.h"

static char *
format_time (GDateTime *dt)
{
  g_autoptr(GDateTime) local = dt != NULL ? g_date_time_to_local (dt) : NULL;

  return local != NULL ? g_date_time_format (local, "%x %X") : g_strdup ("");
}

static int
message_newest_first (gconstpointer a,
                      gconstpointer b)
{
  GDateTime *ta = xapi_message_get_timestamp (*(XapiMessage **) a);
  GDateTime *tb = xapi_message_get_timestamp (*(XapiMessage **) b);

  if (ta == NULL || tb == NULL)
    return (ta == NULL) - (tb == NULL);
  return g_date_time_compare (tb, ta);
}

void
xp_page_logs_build (XpPageCtx  *ctx,
                    GtkBox     *page,
                    XapiObject *obj)
{
  GtkWidget *tasks_group = xp_group_new (page, _("Tasks"), NULL);
  GtkWidget *alerts_group = xp_group_new (page, _("Alerts and events"), NULL);
  XapiCache *cache = xp_object_cache (obj);
  GListModel *tasks = cache != NULL ? xapi_cache_get_objects (cache, XAPI_TYPE_TASK) : NULL;
  GListModel *messages = cache != NULL ? xapi_cache_get_objects (cache, XAPI_TYPE_MESSAGE) : NULL;
  const char *uuid = xapi_object_get_uuid (obj);
  const char *ref = xapi_object_get_ref (obj);
  g_autoptr(GPtrArray) mine = g_ptr_array_new ();
  guint n_tasks = 0;

  xp_page_ctx_watch_model (ctx, tasks);
  xp_page_ctx_watch_model (ctx, messages);

  for (guint i = 0; tasks != NULL && i < g_list_model_get_n_items (tasks); i++)
    {
      g_autoptr(XapiTask) task = g_list_model_get_item (tasks, i);
      g_autofree char *sub = NULL;
      g_autofree char *when = NULL;
      g_autoptr(GError) error = NULL;
      GtkWidget *row;

      if (g_strcmp0 (xapi_task_get_target_ref (task), ref) != 0)
        continue;
      xp_page_ctx_watch (ctx, task);
      when = format_time (xapi_task_get_created (task));
      error = xapi_task_dup_error (task);
      if (xapi_task_is_pending (task))
        sub = g_strdup_printf (_("%s, %.0f %% done"), when, xapi_task_get_progress (task) * 100.0);
      else if (error != NULL)
        {
          g_autofree char *sentence = xp_describe_error (error);
          sub = g_strdup_printf (_("%s, failed: %s"), when, sentence);
        }
      else
        sub = g_strdup_printf (_("%s, %s"), when, xp_field_enum (XAPI_OBJECT (task), "status"));
      row = xp_fact_row (tasks_group, xp_object_name (XAPI_OBJECT (task)), sub);
      if (xapi_task_is_pending (task))
        {
          GtkWidget *bar = gtk_progress_bar_new ();
          gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (bar), xapi_task_get_progress (task));
          gtk_widget_set_valign (bar, GTK_ALIGN_CENTER);
          gtk_accessible_update_property (GTK_ACCESSIBLE (bar), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Progress"), -1);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), bar);
        }
      n_tasks++;
    }
  if (n_tasks == 0)
    xp_fact_row (tasks_group, _("No tasks"), _("Operations on this object appear here while they run."));

  for (guint i = 0; messages != NULL && i < g_list_model_get_n_items (messages); i++)
    {
      g_autoptr(XapiMessage) msg = g_list_model_get_item (messages, i);
      if (uuid != NULL && g_strcmp0 (xapi_message_get_obj_uuid (msg), uuid) == 0)
        g_ptr_array_add (mine, msg);
    }
  g_ptr_array_sort (mine, message_newest_first);
  for (guint i = 0; i < mine->len && i < 200; i++)
    {
      XapiMessage *msg = g_ptr_array_index (mine, i);
      g_autofree char *when = format_time (xapi_message_get_timestamp (msg));
      g_autofree char *sub = g_strdup_printf (_("%s, priority %lld: %s"), when,
                                              (long long) xapi_message_get_priority (msg), xapi_message_get_body (msg));
      xp_fact_row (alerts_group, xp_field_str (XAPI_OBJECT (msg), "name"), sub);
    }
  if (mine->len == 0)
    xp_fact_row (alerts_group, _("No alerts"), NULL);
}
