/* sim-console.c: VM consoles over HTTP CONNECT into libvncserver
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "sim.h"

void
sim_console_connect (Sim        *sim,
                     GIOStream  *stream,
                     const char *head,
                     int         host)
{
  const char *resp = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
  g_output_stream_write_all (g_io_stream_get_output_stream (stream), resp, strlen (resp), NULL, NULL, NULL);
  g_io_stream_close (stream, NULL, NULL);
}

const char *sim_console_keys (Sim *sim, const char *vm_ref);
const char *
sim_console_keys (Sim        *sim,
                  const char *vm_ref)
{
  GString *s = sim->keylog ? g_hash_table_lookup (sim->keylog, vm_ref) : NULL;
  return s ? s->str : NULL;
}

void
sim_console_stop_all (Sim *sim)
{
}
