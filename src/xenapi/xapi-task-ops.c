/* xapi-task-ops.c: following XenAPI tasks to completion
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Tasks are ordinary cached objects, updated by the event loop.  Waiting for
 * one means watching its "status" property.  As a safety net against missed
 * events (a task event can be dropped, xapi-protocol.md §3.4), a pending task
 * whose status has not changed for a while is re-read with task.get_record.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "xapi-task-ops.h"
#include "xapi-cache.h"
#include "xapi-classes.h"
#include "xapi-error.h"
#include "xapi-rpc.h"

#define POLL_INTERVAL_S 3

static GQuark target_quark;

typedef struct {
  XapiTask *task;
  gboolean  destroy_when_done;
  gulong    status_handler;
  gulong    gone_handler;
  guint     poll_source;
  gboolean  poll_in_flight;
  gulong    cancel_handler;
} WaitData;

static void
disconnect_cancellable (GTask *gtask)
{
  WaitData *data = g_task_get_task_data (gtask);

  if (data->cancel_handler != 0)
    g_cancellable_disconnect (g_task_get_cancellable (gtask), data->cancel_handler);
  data->cancel_handler = 0;
}

static void
wait_data_free (WaitData *data)
{
  g_clear_signal_handler (&data->status_handler, data->task);
  g_clear_signal_handler (&data->gone_handler, data->task);
  g_clear_handle_id (&data->poll_source, g_source_remove);
  g_clear_object (&data->task);
  g_free (data);
}

gboolean
xapi_task_is_pending (XapiTask *task)
{
  XapiTaskStatusType status;

  g_return_val_if_fail (XAPI_IS_TASK (task), FALSE);

  if (xapi_object_is_gone (XAPI_OBJECT (task)))
    return FALSE;
  status = xapi_task_get_status (task);
  /* UNRECOGNISED: the placeholder made before the task's add event arrived. */
  return status == XAPI_TASK_STATUS_TYPE_PENDING ||
         status == XAPI_TASK_STATUS_TYPE_CANCELLING ||
         status == XAPI_TASK_STATUS_TYPE_UNRECOGNISED;
}

JsonNode *
xapi_task_decode_result (const char  *result_text,
                         GError     **error)
{
  JsonNode *node;

  if (result_text == NULL || *result_text == '\0')
    {
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_string (node, "");
      return node;
    }

  /* Tasks on old hosts may hold a bare reference. */
  if (g_str_has_prefix (result_text, "OpaqueRef:"))
    {
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_string (node, result_text);
      return node;
    }

  return xapi_xmlrpc_value_parse (result_text, error);
}

char *
xapi_task_result_dup_ref (JsonNode *result)
{
  if (result == NULL)
    return NULL;

  if (JSON_NODE_HOLDS_ARRAY (result))
    {
      JsonArray *array = json_node_get_array (result);

      if (json_array_get_length (array) == 0)
        return NULL;
      result = json_array_get_element (array, 0);
    }

  if (JSON_NODE_HOLDS_VALUE (result) && json_node_get_value_type (result) == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (result);

      if (g_str_has_prefix (text, "OpaqueRef:") && !g_str_equal (text, "OpaqueRef:NULL"))
        return g_strdup (text);
    }

  return NULL;
}

GError *
xapi_task_dup_error (XapiTask *task)
{
  const char * const *info;

  g_return_val_if_fail (XAPI_IS_TASK (task), NULL);

  info = xapi_task_get_error_info (task);
  if (info == NULL || info[0] == NULL)
    {
      if (xapi_task_get_status (task) == XAPI_TASK_STATUS_TYPE_CANCELLED)
        {
          const char *cancelled[] = { "TASK_CANCELLED", xapi_object_get_ref (XAPI_OBJECT (task)), NULL };
          return xapi_error_new_from_description (cancelled);
        }
      if (xapi_task_get_status (task) == XAPI_TASK_STATUS_TYPE_FAILURE)
        return g_error_new_literal (XAPI_ERROR, XAPI_ERROR_OTHER, _("The task failed without saying why."));
      return NULL;
    }

  return xapi_error_new_from_description (info);
}

const char *
xapi_task_get_target_ref (XapiTask *task)
{
  g_return_val_if_fail (XAPI_IS_TASK (task), NULL);

  if (target_quark == 0)
    return NULL;
  return g_object_get_qdata (G_OBJECT (task), target_quark);
}

void
_xapi_task_set_target_ref (XapiTask   *task,
                           const char *ref)
{
  g_return_if_fail (XAPI_IS_TASK (task));

  if (target_quark == 0)
    target_quark = g_quark_from_static_string ("xapi-task-target-ref");
  g_object_set_qdata_full (G_OBJECT (task), target_quark, g_strdup (ref), g_free);
}

static void
destroy_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(JsonNode) node = xapi_connection_call_finish (XAPI_CONNECTION (source), result, NULL);
}

static void
finish_wait (GTask *gtask)
{
  WaitData *data = g_task_get_task_data (gtask);
  XapiTask *task = data->task;
  XapiConnection *connection = xapi_object_get_connection (XAPI_OBJECT (task));
  XapiTaskStatusType status = xapi_task_get_status (task);

  g_clear_signal_handler (&data->status_handler, task);
  g_clear_signal_handler (&data->gone_handler, task);
  g_clear_handle_id (&data->poll_source, g_source_remove);
  disconnect_cancellable (gtask);

  if (xapi_object_is_gone (XAPI_OBJECT (task)) &&
      (status == XAPI_TASK_STATUS_TYPE_PENDING || status == XAPI_TASK_STATUS_TYPE_UNRECOGNISED))
    {
      g_task_return_new_error (gtask, XAPI_ERROR, XAPI_ERROR_OTHER,
                               _("The task disappeared before it finished (the server may have restarted)."));
    }
  else if (status == XAPI_TASK_STATUS_TYPE_SUCCESS)
    {
      GError *error = NULL;
      JsonNode *node = xapi_task_decode_result (xapi_task_get_result (task), &error);

      if (node != NULL)
        g_task_return_pointer (gtask, node, (GDestroyNotify) json_node_unref);
      else
        g_task_return_error (gtask, error);
    }
  else
    {
      g_task_return_error (gtask, xapi_task_dup_error (task));
    }

  if (data->destroy_when_done && connection != NULL &&
      !xapi_object_is_gone (XAPI_OBJECT (task)))
    {
      JsonArray *params = json_array_new ();

      json_array_add_string_element (params, xapi_object_get_ref (XAPI_OBJECT (task)));
      xapi_connection_call_async (connection, "task.destroy", params, NULL, destroy_done, NULL);
    }

  g_object_unref (gtask);
}

static void
status_changed_cb (XapiTask   *task,
                   GParamSpec *pspec,
                   GTask      *gtask)
{
  if (!xapi_task_is_pending (task))
    finish_wait (gtask);
}

static void
poll_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) gtask = user_data;
  WaitData *data = g_task_get_task_data (gtask);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(XapiRecord) record = NULL;

  data->poll_in_flight = FALSE;
  node = xapi_connection_call_finish (XAPI_CONNECTION (source), result, &error);
  if (g_task_get_completed (gtask) || node == NULL)
    {
      if (error != NULL && g_error_matches (error, XAPI_ERROR, XAPI_ERROR_HANDLE_INVALID) &&
          !g_task_get_completed (gtask))
        {
          _xapi_object_set_gone (XAPI_OBJECT (data->task));
          finish_wait (g_object_ref (gtask));
        }
      return;
    }

  record = xapi_record_parse_node (xapi_class_info_lookup ("task"), node, NULL);
  if (record != NULL)
    xapi_object_apply_record (XAPI_OBJECT (data->task), record);   /* may finish the wait */
}

static gboolean
poll_cb (gpointer user_data)
{
  GTask *gtask = user_data;
  WaitData *data = g_task_get_task_data (gtask);
  XapiConnection *connection = xapi_object_get_connection (XAPI_OBJECT (data->task));
  JsonArray *params;

  if (connection == NULL || data->poll_in_flight)
    return G_SOURCE_CONTINUE;

  params = json_array_new ();
  json_array_add_string_element (params, xapi_object_get_ref (XAPI_OBJECT (data->task)));
  data->poll_in_flight = TRUE;
  xapi_connection_call_async (connection, "task.get_record", params,
                              g_task_get_cancellable (gtask), poll_done, g_object_ref (gtask));
  return G_SOURCE_CONTINUE;
}

static gboolean
cancel_idle_cb (gpointer user_data)
{
  GTask *gtask = user_data;
  WaitData *data = g_task_get_task_data (gtask);

  if (!g_task_get_completed (gtask) && data->status_handler != 0)
    {
      g_clear_signal_handler (&data->status_handler, data->task);
      g_clear_signal_handler (&data->gone_handler, data->task);
      g_clear_handle_id (&data->poll_source, g_source_remove);
      disconnect_cancellable (gtask);
      g_task_return_error_if_cancelled (gtask);
      g_object_unref (gtask);
    }
  return G_SOURCE_REMOVE;
}

static void
cancel_cb (GCancellable *cancellable,
           gpointer      user_data)
{
  g_idle_add_full (G_PRIORITY_DEFAULT, cancel_idle_cb, g_object_ref (user_data), g_object_unref);
}

void
xapi_task_wait_async (XapiTask            *task,
                      gboolean             destroy_when_done,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  GTask *gtask;
  WaitData *data;

  g_return_if_fail (XAPI_IS_TASK (task));

  gtask = g_task_new (task, cancellable, callback, user_data);
  g_task_set_source_tag (gtask, xapi_task_wait_async);

  data = g_new0 (WaitData, 1);
  data->task = g_object_ref (task);
  data->destroy_when_done = destroy_when_done;
  g_task_set_task_data (gtask, data, (GDestroyNotify) wait_data_free);

  if (!xapi_task_is_pending (task))
    {
      finish_wait (gtask);
      return;
    }

  data->status_handler = g_signal_connect (task, "notify::status", G_CALLBACK (status_changed_cb), gtask);
  data->gone_handler = g_signal_connect (task, "notify::gone", G_CALLBACK (status_changed_cb), gtask);
  data->poll_source = g_timeout_add_seconds (POLL_INTERVAL_S, poll_cb, gtask);
  if (cancellable != NULL)
    data->cancel_handler = g_cancellable_connect (cancellable, G_CALLBACK (cancel_cb), gtask, NULL);
}

JsonNode *
xapi_task_wait_finish (XapiTask      *task,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, task), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == xapi_task_wait_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
