/* sim-main.c: xapi-sim command line
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

Sim *the_sim;

const char *sim_net_control_url (Sim *sim);
void sim_net_free_faults (Sim *sim);
GDestroyNotify sim_fail_next_free_func (void);
GResource *xapi_sim_get_resource (void);

static gboolean
on_signal (gpointer data)
{
  Sim *sim = data;
  g_main_loop_quit (sim->loop);
  return G_SOURCE_CONTINUE;
}

static void
deleted_free (gpointer p)
{
  SimDeleted *d = p;
  g_free (d->ref);
  g_free (d);
}

static void
gstring_free (gpointer p)
{
  g_string_free (p, TRUE);
}

static gboolean
make_addresses (Sim     *sim,
                int      n,
                GError **error)
{
  int o[4];

  if (sscanf (sim->address, "%d.%d.%d.%d", &o[0], &o[1], &o[2], &o[3]) != 4 || o[3] + n > 255)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad --address %s for %d hosts", sim->address, n);
      return FALSE;
    }
  for (int i = 0; i < n; i++)
    g_ptr_array_add (sim->host_addrs, g_strdup_printf ("%d.%d.%d.%d", o[0], o[1], o[2], o[3] + i));
  return TRUE;
}

void sim_host_addresses_extend (Sim *sim, int n);
void
sim_host_addresses_extend (Sim *sim,
                           int  n)
{
  int o[4];

  if (sscanf (sim->address, "%d.%d.%d.%d", &o[0], &o[1], &o[2], &o[3]) != 4)
    return;
  while ((int) sim->host_addrs->len < n)
    g_ptr_array_add (sim->host_addrs, g_strdup_printf ("%d.%d.%d.%d", o[0], o[1], o[2], o[3] + sim->host_addrs->len));
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *scenario = NULL, *address = NULL, *user = NULL, *password = NULL;
  gboolean tls = FALSE, no_tls = FALSE, per_host_certs = FALSE;
  int hosts = 16, vms = 5000, port = 0, control_port = 0;
  double time_scale = 1.0;
  GOptionEntry entries[] = {
    { "scenario", 0, 0, G_OPTION_ARG_STRING, &scenario, "demo, demo2, large or a state.db path", "NAME" },
    { "hosts", 0, 0, G_OPTION_ARG_INT, &hosts, "Hosts in the large scenario (16)", "N" },
    { "vms", 0, 0, G_OPTION_ARG_INT, &vms, "VMs in the large scenario (5000)", "N" },
    { "address", 0, 0, G_OPTION_ARG_STRING, &address, "Address of the master (127.0.0.1); members follow", "IP" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "Port on every host address (0: pick one)", "PORT" },
    { "tls", 0, 0, G_OPTION_ARG_NONE, &tls, "HTTPS with a self-signed certificate (default)", NULL },
    { "no-tls", 0, 0, G_OPTION_ARG_NONE, &no_tls, "Plain HTTP", NULL },
    { "per-host-certificates", 0, 0, G_OPTION_ARG_NONE, &per_host_certs,
      "Each host serves a certificate of its own (default: one for all)", NULL },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, "Administrator user name (root)", "NAME" },
    { "password", 0, 0, G_OPTION_ARG_STRING, &password, "Its password (default: any)", "PASS" },
    { "time-scale", 0, 0, G_OPTION_ARG_DOUBLE, &time_scale, "Multiply operation durations by F (1.0)", "F" },
    { "control-port", 0, 0, G_OPTION_ARG_INT, &control_port, "Port of the control endpoint (0: pick one)", "PORT" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- a XAPI pool simulator");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) dm = NULL;
  Sim *sim;
  guint sig_term, sig_int;
  int n_addrs = 0;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("xapi-sim: %s\n", error->message);
      return 2;
    }

  sim = the_sim = g_new0 (Sim, 1);
  sim->scenario = g_strdup (scenario ? scenario : "demo");
  sim->n_hosts = MAX (hosts, 1);
  sim->n_vms = MAX (vms, 0);
  sim->address = g_strdup (address ? address : "127.0.0.1");
  sim->port = port;
  sim->tls = !no_tls;
  sim->per_host_certs = per_host_certs;
  sim->user = g_strdup (user ? user : "root");
  sim->password = g_strdup (password);
  sim->time_scale = time_scale > 0 ? time_scale : 1.0;
  sim->control_port = control_port;
  sim->loop = g_main_loop_new (NULL, FALSE);
  sim->deleted = g_ptr_array_new_with_free_func (deleted_free);
  sim->all_rows = g_hash_table_new (g_str_hash, g_str_equal);
  sim->handlers = g_hash_table_new (g_str_hash, g_str_equal);
  sim->hosts = g_ptr_array_new ();
  sim->host_addrs = g_ptr_array_new_with_free_func (g_free);
  sim->fail_next = g_ptr_array_new_with_free_func (sim_fail_next_free_func ());
  sim->keylog = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, gstring_free);
  sim->rand = g_rand_new_with_seed (42);

  dm = g_resource_lookup_data (xapi_sim_get_resource (), "/io/github/xenpools/xapi-sim/datamodel.json",
                               G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  if (dm == NULL || (sim->model = sim_model_load (dm, &error)) == NULL)
    {
      g_printerr ("xapi-sim: datamodel: %s\n", error->message);
      return 1;
    }
  sim_rpc_init (sim);
  sim_ops_init (sim);

  if (strcmp (sim->scenario, "demo") == 0)
    n_addrs = 3;
  else if (strcmp (sim->scenario, "demo2") == 0)
    n_addrs = 1;
  else if (strcmp (sim->scenario, "large") == 0)
    n_addrs = sim->n_hosts;
  if (!make_addresses (sim, n_addrs, &error) || !sim_scenario_load (sim, &error))
    {
      g_printerr ("xapi-sim: %s\n", error->message);
      return 1;
    }
  if (sim->hosts->len == 0)
    {
      g_printerr ("xapi-sim: the scenario has no hosts\n");
      return 1;
    }
  sim->master = 0;
  {
    SimRow *m = sim_row_deref (sim, sim_pool (sim), "master");
    int mi = m ? sim_host_index (sim, m) : -1;
    if (mi >= 0)
      sim->master = mi;
  }

  if (g_hash_table_size (sim->all_rows) > 5000)
    sim_db_prewarm (sim);
  if (!sim_net_start (sim, &error))
    {
      g_printerr ("xapi-sim: %s\n", error->message);
      return 1;
    }
  /* console locations need the port, known only now */
  {
    SimClass *cls = sim_model_class (sim->model, "console");
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init (&it, cls->rows);
    while (g_hash_table_iter_next (&it, &k, &v))
      {
        SimRow *vm = sim_row_deref (sim, v, "VM");
        SimRow *host = vm ? sim_row_deref (sim, vm, "resident_on") : NULL;
        int hi = host ? sim_host_index (sim, host) : -1;
        if (hi >= 0)
          {
            g_autofree char *loc = g_strdup_printf ("%s://%s:%d/console?uuid=%s", sim->tls ? "https" : "http",
                                                    (char *) sim->host_addrs->pdata[hi], sim->port,
                                                    sim_row_str (v, "uuid"));
            sim_row_set_str (sim, v, "location", loc);
          }
      }
  }

  {
    g_autofree char *url = sim_host_url (sim, sim->master);
    printf ("READY %s\n", url);
    for (guint i = 0; i < sim->hosts->len; i++)
      {
        g_autofree char *u = NULL;
        if ((int) i == sim->master)
          continue;
        u = sim_host_url (sim, i);
        printf ("MEMBER %s %s\n", sim_row_str (sim->hosts->pdata[i], "name_label"), u);
      }
    printf ("CONTROL %s\n", sim_net_control_url (sim));
    fflush (stdout);
  }

  sig_term = g_unix_signal_add (SIGTERM, on_signal, sim);
  sig_int = g_unix_signal_add (SIGINT, on_signal, sim);
  g_main_loop_run (sim->loop);
  g_source_remove (sig_term);
  g_source_remove (sig_int);

  /* orderly teardown (leak checks) */
  sim_console_stop_all (sim);
  sim_events_abort_all (sim, TRUE);
  sim_net_stop (sim);
  g_hash_table_remove_all (sim->ops);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (sim->waiter_check)
    g_source_remove (sim->waiter_check);
  sim_net_free_faults (sim);
  g_hash_table_unref (sim->ops);
  g_hash_table_unref (sim->handlers);
  g_hash_table_unref (sim->all_rows);
  g_ptr_array_unref (sim->deleted);
  g_ptr_array_unref (sim->hosts);
  g_ptr_array_unref (sim->host_addrs);
  g_hash_table_unref (sim->keylog);
  g_rand_free (sim->rand);
  sim_model_free (sim->model);
  g_main_loop_unref (sim->loop);
  g_free (sim->scenario);
  g_free (sim->address);
  g_free (sim->user);
  g_free (sim->password);
  g_free (sim->corrupt_mode);
  g_free (sim->corrupt_method);
  g_free (sim);
  return 0;
}
