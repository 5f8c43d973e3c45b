output "meeting_url" {
  description = "Open this in a browser to join (page and signaling go through the gateway)."
  value       = "https://${grid_name_proxy.web.fqdn}"
}

output "media_ipv6" {
  description = "The VM's public IPv6 address: media (UDP ${local.udp_port}) goes here directly."
  value       = split("/", grid_deployment.sfu.vms[0].computedip6)[0]
}

output "turn_url" {
  description = "TURN over TLS through the gateway, for participants that cannot reach the IPv6 media address (IPv4-only networks, UDP blocked). The server hands it out with short-lived credentials; nothing to configure."
  value       = "turns:${grid_name_proxy.turn.fqdn}:${local.turn_tls_port}?transport=tcp"
}

output "ssh" {
  description = "Remote login, when an SSH key was given."
  value       = var.ssh_key == "" ? "disabled (no SSH key)" : "ssh root@${split("/", grid_deployment.sfu.vms[0].computedip6)[0]}"
}

output "api_key" {
  description = "API key of the server (generated at apply time)."
  value       = random_password.api_key.result
  sensitive   = true
}

output "api_secret" {
  description = "API secret of the server (generated at apply time)."
  value       = random_password.api_secret.result
  sensitive   = true
}

output "dashboard_url" {
  description = "The live dashboard; it asks for the API secret (terraform output -raw api_secret)."
  value       = "https://${grid_name_proxy.web.fqdn}/dashboard"
}
