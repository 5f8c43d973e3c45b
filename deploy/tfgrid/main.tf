# DigitalWeRoom SFU on the ThreeFold Grid: one VM with a public IPv6 address for media (UDP) and a web
# gateway name (<name>.<domain>, TLS at the gateway) for the page and the WebSocket signaling.
# The gateway carries no UDP, so media never goes through it, and never over overlay addresses
# (Mycelium, Yggdrasil, WireGuard): the server announces only its global IPv6 as ICE candidate.
# The gateway reaches the VM's HTTP port over this deployment's private grid network (WireGuard between the VM's
# node and the gateway node), never as plain HTTP across the public internet: tokens, API keys and SDP
# fingerprints cross that leg. The server listens only there and on loopback, not on its public IPv6.

terraform {
  required_version = ">= 1.3.0"
  required_providers {
    grid = {
      source = "threefoldtech/grid"
    }
    random = {
      source = "hashicorp/random"
    }
  }
}

# The mnemonic comes from the MNEMONIC environment variable (see README), never from a file in this bundle.
provider "grid" {
  network = var.tfgrid_network
}

locals {
  # Size -> VM resources and server limits. Keep in step with DeployCatalog.cs; the rationale is in README.md.
  sizes = {
    small = { cpu = 1, memory_mb = 2048, rootfs_mb = 10240, max_rooms = 10, max_participants_per_room = 8 }
    mid   = { cpu = 2, memory_mb = 4096, rootfs_mb = 20480, max_rooms = 25, max_participants_per_room = 12 }
    large = { cpu = 4, memory_mb = 8192, rootfs_mb = 40960, max_rooms = 50, max_participants_per_room = 20 }
  }
  spec = local.sizes[var.size]

  # DNS labels cannot hold underscores or capitals: "My_Room" is served as myroom.<domain>.
  host_label    = lower(replace(var.name, "_", ""))
  expected_fqdn = "${local.host_label}.${var.domain}"
  farm_id       = lookup(var.farm_ids, var.location, 0)
  gateway_node  = lookup(var.domain_gateway_nodes, var.domain, 0)
  http_port     = 7880
  udp_port      = 7882
  # TURN/TLS for participants without IPv6 (README, "IPv4 participants"): a second gateway name, TLS passed through
  # by SNI to coturn on the VM's private address, port 443. DNS labels allow hyphens, so it cannot clash with a
  # meeting name (those hold none).
  turn_label    = "turn-${local.host_label}"
  turn_fqdn     = "${local.turn_label}.${var.domain}"
  turn_tls_port = 443
  # The deployment's private network. Only the VM's node and the gateway node are in it, so its range is also
  # the one proxy whose X-Forwarded-For the server believes (per-IP limits then see the real clients).
  private_network = "10.20.0.0/16"
}

resource "random_password" "api_key" {
  length  = 20
  special = false
}

resource "random_password" "api_secret" {
  length  = 48
  special = false
}

# coturn's static-auth-secret: the server mints short-lived TURN credentials per join with it (TURN REST API).
resource "random_password" "turn_secret" {
  length  = 40
  special = false
}

resource "grid_scheduler" "sched" {
  requests {
    name     = "sfu"
    farm_id  = local.farm_id
    cru      = local.spec.cpu
    mru      = local.spec.memory_mb
    sru      = local.spec.rootfs_mb
    ipv4     = false
    distinct = false
  }

  requests {
    name          = "gateway"
    public_config = true
    domain        = true
  }

  lifecycle {
    precondition {
      condition     = local.farm_id > 0
      error_message = "location: no farm id is recorded for '${var.location}'; set farm_ids = { ${var.location} = <farm id> } in terraform.tfvars."
    }
  }
}

data "grid_gateway_domain" "domain" {
  node = local.gateway_node > 0 ? local.gateway_node : grid_scheduler.sched.nodes["gateway"]
  name = local.host_label
}

# The TURN name lives on the same gateway node as the page: one node joins the private network.
data "grid_gateway_domain" "turn" {
  node = data.grid_gateway_domain.domain.node
  name = local.turn_label
}

# The gateway node joins the network so that it reaches the VM's private address (grid_name_proxy.network).
resource "grid_network" "net" {
  name          = "${local.host_label}net"
  description   = "DigitalWeRoom SFU ${var.name}"
  nodes         = distinct([grid_scheduler.sched.nodes["sfu"], data.grid_gateway_domain.domain.node])
  ip_range      = local.private_network
  add_wg_access = false
}

resource "grid_deployment" "sfu" {
  name         = "${local.host_label}sfu"
  node         = grid_scheduler.sched.nodes["sfu"]
  network_name = grid_network.net.name

  vms {
    name        = "sfu"
    description = "DigitalWeRoom SFU ${var.name}"
    flist       = var.flist
    entrypoint  = "/sbin/zinit init"
    cpu         = local.spec.cpu
    memory      = local.spec.memory_mb
    rootfs_size = local.spec.rootfs_mb
    publicip6   = true
    planetary   = false
    env_vars = {
      PUBLIC_URL                = "https://${data.grid_gateway_domain.domain.fqdn}"
      DISPLAY_NAME              = var.name
      SSH_KEY                   = var.ssh_key
      GIT_URL                   = var.git_url
      MAX_ROOMS                 = tostring(local.spec.max_rooms)
      MAX_PARTICIPANTS_PER_ROOM = tostring(local.spec.max_participants_per_room)
      SFU_API_KEY               = random_password.api_key.result
      SFU_API_SECRET            = random_password.api_secret.result
      WHO_MAY_JOIN              = var.who_may_join
      PRIVATE_NETWORK           = local.private_network
      TRUSTED_PROXIES           = join(",", concat([local.private_network], var.trusted_proxies))
      HTTP_PORT                 = tostring(local.http_port)
      UDP_PORT                  = tostring(local.udp_port)
      TURN_FQDN                 = data.grid_gateway_domain.turn.fqdn
      TURN_SECRET               = random_password.turn_secret.result
      ACME_EMAIL                = var.acme_email
      ACME_SERVER               = var.acme_server
    }
  }
}

resource "grid_name_proxy" "web" {
  node            = data.grid_gateway_domain.domain.node
  name            = local.host_label
  # The VM's address in the private network, reached over WireGuard; TLS ends at the gateway.
  network         = grid_network.net.name
  backends        = [format("http://%s:%d", grid_deployment.sfu.vms[0].ip, local.http_port)]
  tls_passthrough = false

  lifecycle {
    precondition {
      condition     = data.grid_gateway_domain.domain.fqdn == local.expected_fqdn
      error_message = "domain: the gateway node serves '${data.grid_gateway_domain.domain.fqdn}', not '${local.expected_fqdn}'; set domain_gateway_nodes = { \"${var.domain}\" = <node id> } in terraform.tfvars."
    }
  }
}

# TURN/TLS for IPv4-only participants: the gateway has IPv4 and IPv6, the VM only IPv6. The gateway does not end this
# TLS: it routes by SNI (tls_passthrough) to coturn on the VM's private address, over the same WireGuard network as
# the page. coturn holds the certificate for this name (zinit service turn-cert, ACME TLS-ALPN-01 through this very
# route) and relays to the server's private address, so no public IPv4 is needed on the VM. With passthrough the
# gateway takes a backend as ip:port, without a scheme.
resource "grid_name_proxy" "turn" {
  node            = data.grid_gateway_domain.domain.node
  name            = local.turn_label
  network         = grid_network.net.name
  backends        = [format("%s:%d", grid_deployment.sfu.vms[0].ip, local.turn_tls_port)]
  tls_passthrough = true

  lifecycle {
    precondition {
      condition     = data.grid_gateway_domain.turn.fqdn == local.turn_fqdn
      error_message = "domain: the gateway node serves '${data.grid_gateway_domain.turn.fqdn}', not '${local.turn_fqdn}' for TURN; set domain_gateway_nodes = { \"${var.domain}\" = <node id> } in terraform.tfvars."
    }
  }
}
