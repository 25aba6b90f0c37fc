/* xp-demo.c: `xenpools --demo`: simulated pools on loopback
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "xp-demo.h"

struct _XpDemo
{
  GObject            parent_instance;
  XpConnectionStore *store;
  GPtrArray         *processes;   /* GSubprocess* */
  GCancellable      *cancellable; /* stdout readers */
};

G_DEFINE_FINAL_TYPE (XpDemo, xp_demo, G_TYPE_OBJECT)

static const char * const scenarios[][7] = {
  { "--scenario", "demo", "--port", "0", NULL },
  { "--scenario", "demo2", "--port", "0", NULL },
};

char *
xp_demo_find_simulator (void)
{
  const char *env = g_getenv ("XENPOOLS_SIM");
  g_autofree char *built = g_build_filename (BUILDDIR, "tests", "xapi-sim", "xapi-sim", NULL);
  g_autofree char *installed = g_build_filename (LIBEXECDIR, "xenpools", "xapi-sim", NULL);

  if (env != NULL && *env)
    return g_strdup (env);
  if (g_file_test (built, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&built);
  if (g_file_test (installed, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&installed);
  return NULL;
}

void
xp_demo_stop (XpDemo *self)
{
  g_return_if_fail (XP_IS_DEMO (self));

  g_cancellable_cancel (self->cancellable);
  for (guint i = 0; i < self->processes->len; i++)
    g_subprocess_send_signal (g_ptr_array_index (self->processes, i), SIGTERM);
  g_ptr_array_set_size (self->processes, 0);
}

static void
xp_demo_dispose (GObject *object)
{
  XpDemo *self = XP_DEMO (object);

  if (self->processes != NULL)
    xp_demo_stop (self);
  g_clear_pointer (&self->processes, g_ptr_array_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (xp_demo_parent_class)->dispose (object);
}

static void
xp_demo_class_init (XpDemoClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = xp_demo_dispose;
}

static void
xp_demo_init (XpDemo *self)
{
  self->processes = g_ptr_array_new_with_free_func (g_object_unref);
  self->cancellable = g_cancellable_new ();
}

XpDemo *
xp_demo_new (XpConnectionStore *store)
{
  XpDemo *self = g_object_new (XP_TYPE_DEMO, NULL);

  self->store = g_object_ref (store);
  return self;
}

/* One simulator being started. */
typedef struct {
  XpDemo           *self;      /* strong */
  GTask            *task;      /* the whole start (strong) */
  GDataInputStream *out;
  char             *url;
  GPtrArray        *members;
  gboolean          announced;
} SimStart;

static void
sim_start_free (SimStart *s)
{
  g_clear_object (&s->self);
  g_clear_object (&s->task);
  g_clear_object (&s->out);
  g_free (s->url);
  g_ptr_array_unref (s->members);
  g_free (s);
}

static void
task_one_done (GTask  *task,
               GError *error)
{
  int *pending = g_task_get_task_data (task);

  if (g_task_had_error (task) || g_task_get_completed (task))
    {
      g_clear_error (&error);
      return;
    }
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (--(*pending) == 0)
    g_task_return_boolean (task, TRUE);
}

static void
announce (SimStart *s)
{
  XpDemo *self = s->self;
  g_autoptr(GError) error = NULL;
  XapiConnection *conn;

  s->announced = TRUE;
  conn = xp_connection_store_add (self->store, s->url, "root", XP_CONNECTION_TRANSIENT, &error);
  if (conn == NULL)
    {
      task_one_done (s->task, g_steal_pointer (&error));
      return;
    }
  if (s->members->len > 0)
    {
      g_ptr_array_add (s->members, NULL);
      xapi_connection_set_pool_members (conn, (const char * const *) s->members->pdata);
      g_ptr_array_remove_index (s->members, s->members->len - 1);
    }
  xp_connection_store_connect (self->store, conn, "demo");
  task_one_done (s->task, NULL);
}

static void
line_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  SimStart *s = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                                     result, NULL, &error);

  if (line == NULL)
    {
      if (!s->announced)
        {
          if (error == NULL)
            error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                 _("The simulator exited before it was ready."));
          task_one_done (s->task, g_steal_pointer (&error));
        }
      sim_start_free (s);
      return;
    }

  if (!s->announced)
    {
      if (g_str_has_prefix (line, "READY "))
        s->url = g_strstrip (g_strdup (line + 6));
      else if (g_str_has_prefix (line, "MEMBER "))
        {
          const char *url = strrchr (line, ' ');
          if (url != NULL)
            g_ptr_array_add (s->members, g_strdup (url + 1));
        }
      else if (g_str_has_prefix (line, "CONTROL ") && s->url != NULL)
        announce (s);
    }

  /* Keep draining so that the simulator never blocks on a full pipe. */
  g_data_input_stream_read_line_async (s->out, G_PRIORITY_DEFAULT, s->self->cancellable,
                                       line_read_cb, s);
}

static void
child_setup (gpointer data)
{
  /* The simulators go away with us, even if we crash. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

void
xp_demo_start_async (XpDemo              *self,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *sim = xp_demo_find_simulator ();
  int *pending = g_new0 (int, 1);

  g_task_set_source_tag (task, xp_demo_start_async);
  g_task_set_task_data (task, pending, g_free);

  if (sim == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("The XenPools simulator (xapi-sim) is not installed. "
                                 "Set XENPOOLS_SIM to its path or build with -Dinstall_simulator=true."));
      return;
    }

  *pending = G_N_ELEMENTS (scenarios);
  for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++)
    {
      g_autoptr(GSubprocessLauncher) launcher = NULL;
      g_autoptr(GSubprocess) process = NULL;
      g_autoptr(GPtrArray) argv = g_ptr_array_new ();
      g_autoptr(GError) error = NULL;
      SimStart *s;

      launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                            (g_getenv ("XENPOOLS_SIM_DEBUG") ? 0
                                             : G_SUBPROCESS_FLAGS_STDERR_SILENCE));
      g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
      g_ptr_array_add (argv, sim);
      for (guint j = 0; scenarios[i][j] != NULL; j++)
        g_ptr_array_add (argv, (gpointer) scenarios[i][j]);
      g_ptr_array_add (argv, NULL);

      process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
      if (process == NULL)
        {
          g_prefix_error (&error, _("Could not start the simulator: "));
          task_one_done (task, g_steal_pointer (&error));
          return;
        }
      g_ptr_array_add (self->processes, g_object_ref (process));

      s = g_new0 (SimStart, 1);
      s->self = g_object_ref (self);
      s->task = g_object_ref (task);
      s->members = g_ptr_array_new_with_free_func (g_free);
      s->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
      g_data_input_stream_read_line_async (s->out, G_PRIORITY_DEFAULT, self->cancellable,
                                           line_read_cb, s);
    }
}

gboolean
xp_demo_start_finish (XpDemo        *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
