/* sim-http.c: HTTP side channels (/rrd_updates, /export, /import)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "sim.h"

void
sim_http_handle (Sim               *sim,
                 SoupServerMessage *msg,
                 const char        *path,
                 int                host)
{
  soup_server_message_set_status (msg, 404, NULL);
}
