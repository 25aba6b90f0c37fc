/* xapi-cli.c: a small command-line client built on libxapi (an example)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   xapi-cli [--no-verify|--fingerprint FP] URL USER PASSWORD-FILE|-p COMMAND ...
 *
 *   list CLASS [FIELD...]     objects of CLASS from the cache after the sync:
 *                             ref, then each FIELD as JSON, tab-separated
 *   call METHOD [JSON-ARG...] one call (the session is prepended); prints the result as JSON
 *   watch [CLASS...]          print add/mod/del events as they arrive (Ctrl-C stops)
 *
 * The password is read from the first line of PASSWORD-FILE, or with -p from
 * the environment variable XAPI_PASSWORD.  It is never printed.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib-unix.h>

#include "xapi-connection.h"
#include "xapi-cache.h"
#include "xapi-classes.h"
#include "xapi-error.h"
#include "xapi-json.h"

typedef struct {
  XapiConnection *conn;
  GMainLoop      *loop;
  int             status;
} Cli;

static void
usage (void)
{
  fprintf (stderr,
           "usage: xapi-cli [--no-verify|--fingerprint FP] URL USER PASSWORD-FILE|-p COMMAND ...\n"
           "  list CLASS [FIELD...]\n"
           "  call METHOD [JSON-ARG...]\n"
           "  watch [CLASS...]\n"
           "With -p the password is taken from $XAPI_PASSWORD.\n");
}

static char *
read_password (const char  *source,
               GError     **error)
{
  g_autofree char *contents = NULL;
  char *nl;

  if (g_str_equal (source, "-p"))
    {
      const char *env = g_getenv ("XAPI_PASSWORD");

      if (env == NULL)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "XAPI_PASSWORD is not set");
          return NULL;
        }
      return g_strdup (env);
    }
  if (!g_file_get_contents (source, &contents, NULL, error))
    return NULL;
  nl = strpbrk (contents, "\r\n");
  if (nl != NULL)
    *nl = '\0';
  return g_steal_pointer (&contents);
}

static gboolean
accept_any (XapiConnection       *connection,
            const char           *host,
            GTlsCertificate      *certificate,
            const char           *sha256_fingerprint,
            GTlsCertificateFlags  errors,
            gpointer              user_data)
{
  return TRUE;
}

static void
state_changed (XapiConnection *conn,
               GParamSpec     *pspec,
               Cli            *cli)
{
  XapiConnectionState state = xapi_connection_get_state (conn);

  if (state == XAPI_CONNECTION_STATE_CONNECTED || state == XAPI_CONNECTION_STATE_FAILED)
    g_main_loop_quit (cli->loop);
}

/* Open and wait for the initial sync; FALSE (message printed) on failure. */
static gboolean
open_connection (Cli *cli)
{
  gulong id = g_signal_connect (cli->conn, "notify::state", G_CALLBACK (state_changed), cli);

  xapi_connection_open_async (cli->conn, NULL, NULL, NULL);
  g_main_loop_run (cli->loop);
  g_signal_handler_disconnect (cli->conn, id);

  if (xapi_connection_get_state (cli->conn) != XAPI_CONNECTION_STATE_CONNECTED)
    {
      const GError *error = xapi_connection_get_error (cli->conn);

      fprintf (stderr, "xapi-cli: cannot connect: %s\n", error ? error->message : "unknown error");
      return FALSE;
    }
  return TRUE;
}

static int
cmd_list (Cli   *cli,
          int    argc,
          char **argv)
{
  GListModel *objects;
  guint n;

  if (argc < 1)
    {
      usage ();
      return 2;
    }
  objects = xapi_cache_get_objects_by_name (xapi_connection_get_cache (cli->conn), argv[0]);
  if (objects == NULL)
    {
      fprintf (stderr, "xapi-cli: unknown class %s\n", argv[0]);
      return 1;
    }
  n = g_list_model_get_n_items (objects);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(XapiObject) object = g_list_model_get_item (objects, i);
      g_autoptr(GString) line = g_string_new (xapi_object_get_ref (object));

      for (int f = 1; f < argc; f++)
        {
          g_autofree char *json = xapi_object_dup_field_json (object, argv[f]);

          g_string_append_c (line, '\t');
          g_string_append (line, json != NULL ? json : "-");
        }
      printf ("%s\n", line->str);
    }
  return 0;
}

static void
call_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = xapi_connection_call_finish (XAPI_CONNECTION (source), result, &error);

  if (node == NULL)
    {
      g_autofree char *text = xapi_error_describe (error, TRUE);

      fprintf (stderr, "xapi-cli: %s\n", text);
      cli->status = 1;
    }
  else
    {
      g_autofree char *text = xapi_json_to_string (node, NULL);

      printf ("%s\n", text);
    }
  g_main_loop_quit (cli->loop);
}

static int
cmd_call (Cli   *cli,
          int    argc,
          char **argv)
{
  g_autoptr(JsonArray) params = json_array_new ();

  if (argc < 1)
    {
      usage ();
      return 2;
    }
  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      JsonNode *arg = xapi_json_parse (argv[i], -1, &error);

      if (arg == NULL)
        {
          fprintf (stderr, "xapi-cli: argument %d is not JSON: %s\n", i, error->message);
          return 2;
        }
      json_array_add_element (params, arg);
    }
  xapi_connection_call_async (cli->conn, argv[0], g_steal_pointer (&params), NULL, call_done, cli);
  g_main_loop_run (cli->loop);
  return cli->status;
}

static void
object_notify (XapiObject *object,
               GParamSpec *pspec,
               gpointer    user_data)
{
  const char *name = g_param_spec_get_name (pspec);
  const XapiFieldInfo *field = xapi_object_find_field (object, name);
  g_autofree char *json = NULL;
  g_autofree char *wire = g_strdelimit (g_strdup (name), "-", '_');

  /* Property names may use '-' where the wire name has '_'; properties that
   * are not fields (e.g. "gone") are not events. */
  if (field == NULL && (field = xapi_object_find_field (object, wire)) == NULL)
    return;
  json = xapi_object_dup_field_json (object, wire);
  printf ("mod\t%s\t%s\t%s\t%s\n", xapi_object_get_class_name (object),
          xapi_object_get_ref (object), wire, json != NULL ? json : "-");
  fflush (stdout);
}

static void
object_added (XapiCache  *cache,
              XapiObject *object,
              gpointer    user_data)
{
  printf ("add\t%s\t%s\n", xapi_object_get_class_name (object), xapi_object_get_ref (object));
  fflush (stdout);
  g_signal_connect (object, "notify", G_CALLBACK (object_notify), NULL);
}

static void
object_removed (XapiCache  *cache,
                XapiObject *object,
                gpointer    user_data)
{
  printf ("del\t%s\t%s\n", xapi_object_get_class_name (object), xapi_object_get_ref (object));
  fflush (stdout);
  g_signal_handlers_disconnect_by_func (object, object_notify, NULL);
}

static gboolean
on_signal (gpointer user_data)
{
  Cli *cli = user_data;

  g_main_loop_quit (cli->loop);
  return G_SOURCE_REMOVE;
}

static int
cmd_watch (Cli   *cli,
           int    argc,
           char **argv)
{
  XapiCache *cache = xapi_connection_get_cache (cli->conn);

  /* Follow what the initial sync loaded, then everything that arrives. */
  for (int c = 0; c < MAX (argc, 0); c++)
    {
      GListModel *objects = xapi_cache_get_objects_by_name (cache, argv[c]);

      for (guint i = 0; objects != NULL && i < g_list_model_get_n_items (objects); i++)
        {
          g_autoptr(XapiObject) object = g_list_model_get_item (objects, i);
          g_signal_connect (object, "notify", G_CALLBACK (object_notify), NULL);
        }
    }
  g_signal_connect (cache, "object-added", G_CALLBACK (object_added), NULL);
  g_signal_connect (cache, "object-removed", G_CALLBACK (object_removed), NULL);
  g_unix_signal_add (SIGINT, on_signal, cli);
  g_unix_signal_add (SIGTERM, on_signal, cli);
  printf ("watching\n");
  fflush (stdout);
  g_main_loop_run (cli->loop);
  /* Closing empties the cache: those removals are not events. */
  g_signal_handlers_disconnect_by_func (cache, object_added, NULL);
  g_signal_handlers_disconnect_by_func (cache, object_removed, NULL);
  return 0;
}

static void
close_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Cli *cli = user_data;

  xapi_connection_close_finish (XAPI_CONNECTION (source), result, NULL);
  g_main_loop_quit (cli->loop);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *password = NULL;
  g_autoptr(XapiConnection) conn = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  const char *fingerprint = NULL;
  gboolean no_verify = FALSE;
  const char *command;
  Cli cli = { 0 };
  int i = 1;

  for (; i < argc && g_str_has_prefix (argv[i], "--"); i++)
    {
      if (g_str_equal (argv[i], "--no-verify"))
        no_verify = TRUE;
      else if (g_str_equal (argv[i], "--fingerprint") && i + 1 < argc)
        fingerprint = argv[++i];
      else
        {
          usage ();
          return 2;
        }
    }
  if (argc - i < 4)
    {
      usage ();
      return 2;
    }

  password = read_password (argv[i + 2], &error);
  if (password == NULL)
    {
      fprintf (stderr, "xapi-cli: cannot read the password: %s\n", error->message);
      return 2;
    }

  conn = xapi_connection_new (argv[i], argv[i + 1]);
  xapi_connection_set_password (conn, password);
  xapi_connection_set_originator (conn, "xapi-cli");
  if (no_verify)
    xapi_connection_set_trust_func (conn, accept_any, NULL, NULL);
  else if (fingerprint != NULL)
    xapi_connection_set_pinned_fingerprint (conn, fingerprint);

  command = argv[i + 3];
  argc -= i + 4;
  argv += i + 4;

  if (g_str_equal (command, "list") && argc >= 1)
    {
      const char * const classes[] = { argv[0], NULL };
      xapi_connection_set_event_classes (conn, classes);
    }
  else if (g_str_equal (command, "call"))
    {
      const char * const classes[] = { "pool", NULL };
      xapi_connection_set_event_classes (conn, classes);
    }
  else if (g_str_equal (command, "watch") && argc >= 1)
    xapi_connection_set_event_classes (conn, (const char * const *) argv);
  else if (!g_str_equal (command, "watch") && !g_str_equal (command, "list"))
    {
      usage ();
      return 2;
    }

  loop = g_main_loop_new (NULL, FALSE);
  cli.conn = conn;
  cli.loop = loop;
  if (!open_connection (&cli))
    return 1;

  if (g_str_equal (command, "list"))
    cli.status = cmd_list (&cli, argc, argv);
  else if (g_str_equal (command, "call"))
    cli.status = cmd_call (&cli, argc, argv);
  else
    cli.status = cmd_watch (&cli, argc, argv);

  /* Log out (bounded wait). */
  xapi_connection_close_async (conn, NULL, close_done, &cli);
  g_timeout_add_seconds (10, on_signal, &cli);
  g_main_loop_run (loop);
  return cli.status;
}
