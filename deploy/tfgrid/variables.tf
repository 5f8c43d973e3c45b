# Inputs of the DigitalWeRoom SFU deployment on the ThreeFold Grid. The first seven are the deploy wizard's
# fields (the /deploy page and `deploy tfgrid` fill them into terraform.tfvars); the rest have defaults.

variable "name" {
  description = "Room server name: shown in the meeting page and used as the host name prefix (<name>.<domain>)."
  type        = string
  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9_]{1,14}$", var.name))
    error_message = "name: 2-15 letters, digits or underscores, starting with a letter."
  }
}

variable "size" {
  description = "VM size: small, mid or large (CPU, memory, disk and the server's room limits; see README)."
  type        = string
  validation {
    condition     = contains(["small", "mid", "large"], var.size)
    error_message = "size: must be one of small, mid, large."
  }
}

variable "location" {
  description = "Where the VM runs: ghent or vienna (a farm on the grid)."
  type        = string
  validation {
    condition     = contains(["ghent", "vienna"], var.location)
    error_message = "location: must be one of ghent, vienna."
  }
}

variable "domain" {
  description = "Gateway domain; the meeting is served at https://<name>.<domain>."
  type        = string
  validation {
    condition     = contains(["ava.tf", "3x0.me", "refit.earth", "co30.org", "ninja.tf", "base.tf", "tf9.io"], var.domain)
    error_message = "domain: must be one of ava.tf, 3x0.me, refit.earth, co30.org, ninja.tf, base.tf, tf9.io."
  }
}

variable "ssh_key" {
  description = "Optional OpenSSH public key for remote login as root; empty disables sshd."
  type        = string
  default     = ""
  validation {
    condition     = var.ssh_key == "" || can(regex("^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521|sk-ssh-ed25519@openssh.com|sk-ecdsa-sha2-nistp256@openssh.com) [A-Za-z0-9+/]+={0,3}( [^\n\r]*)?$", var.ssh_key))
    error_message = "ssh_key: must be one OpenSSH public key line (ssh-ed25519 AAAA... comment), or empty."
  }
}

variable "git_url" {
  description = "Optional https git repository with a theme (theme.css, logo) for the meeting page, cloned at VM start."
  type        = string
  default     = ""
  validation {
    condition     = var.git_url == "" || can(regex("^https://[A-Za-z0-9.-]+(:[0-9]+)?/[^\\s\"'`$\\\\]*$", var.git_url))
    error_message = "git_url: must be an https:// URL without spaces or quotes, or empty."
  }
}

variable "who_may_join" {
  description = "Who may join a meeting: anyone_with_link (the page gets a guest token for any room) or invite_only (only holders of a token minted with the API secret). The dashboard and the admin API always need the API secret."
  type        = string
  default     = "anyone_with_link"
  validation {
    condition     = contains(["anyone_with_link", "invite_only"], var.who_may_join)
    error_message = "who_may_join: must be one of anyone_with_link, invite_only."
  }
}

# Not asked by the wizard.

variable "tfgrid_network" {
  description = "Grid network: main, test, qa or dev."
  type        = string
  default     = "main"
}

variable "flist" {
  description = "The SFU flist (made from the deploy/docker image, target tfgrid; see README)."
  type        = string
  default     = "https://hub.grid.tf/digitalweroom/digitalweroom-sfu-latest.flist"
}

variable "farm_ids" {
  description = "Farm id per location, used by the scheduler. 0 means not known yet: set it before applying."
  type        = map(number)
  default = {
    ghent  = 1
    vienna = 0
  }
}

variable "domain_gateway_nodes" {
  description = "Gateway node serving each domain. 0 lets the scheduler pick a node with a domain; the plan then checks the name matches."
  type        = map(number)
  default = {
    "ava.tf"      = 0
    "3x0.me"      = 0
    "refit.earth" = 0
    "co30.org"    = 0
    "ninja.tf"    = 0
    "base.tf"     = 0
    "tf9.io"      = 0
  }
}

variable "trusted_proxies" {
  description = "More proxies whose X-Forwarded-* headers the server believes, besides the gateway (always trusted: it comes from the private network)."
  type        = list(string)
  default     = []
}

variable "acme_email" {
  description = "Optional contact address for the ACME account of the TURN name's certificate; empty uses acme@<turn name> (lego needs an address; nobody reads that one)."
  type        = string
  default     = ""
  validation {
    condition     = var.acme_email == "" || can(regex("^[^@\\s\"'`$\\\\]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$", var.acme_email))
    error_message = "acme_email: must be an e-mail address, or empty."
  }
}

variable "acme_server" {
  description = "ACME directory the VM gets the TURN name's certificate from (Let's Encrypt; its staging directory for trials)."
  type        = string
  default     = "https://acme-v02.api.letsencrypt.org/directory"
  validation {
    condition     = can(regex("^https://[A-Za-z0-9.-]+(:[0-9]+)?/[A-Za-z0-9./_-]*$", var.acme_server))
    error_message = "acme_server: must be an https:// URL."
  }
}
