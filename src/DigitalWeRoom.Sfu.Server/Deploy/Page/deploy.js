// Client-side checks for the deploy form. Same rules as DeployRequestValidator.cs and variables.tf;
// the server validates again and its messages are shown the same way.
(function () {
  'use strict';
  const NAME_PATTERN = /^[a-zA-Z][a-zA-Z0-9_]{1,14}$/;
  const GIT_URL_PATTERN = /^https:\/\/[A-Za-z0-9.-]+(:[0-9]+)?\/[^\s"'`$\\]*$/;
  const SSH_KEY_PATTERN = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$/;
  const FIELDS = ['size', 'location', 'name', 'domain', 'git_url', 'ssh_key', 'who_may_join'];

  const form = document.getElementById('deploy-form');
  const sshRow = document.getElementById('ssh-key-row');
  const preview = document.getElementById('url-preview');

  function sshWanted() { return form.elements.ssh.value === 'yes'; }

  function showError(field, message) {
    const el = document.getElementById(field + '-error');
    if (el) { el.textContent = message ? field + ': ' + message : ''; }
    const input = document.getElementById(field);
    if (input) { input.setAttribute('aria-invalid', message ? 'true' : 'false'); }
  }

  function clearErrors() {
    FIELDS.forEach(function (f) { showError(f, ''); });
    document.getElementById('form-error').textContent = '';
  }

  function check() {
    const errors = [];
    const name = form.elements.name.value.trim();
    if (!NAME_PATTERN.test(name)) {
      errors.push(['name', 'use 2-15 letters, digits or underscores, starting with a letter.']);
    }
    const git = form.elements.git_url.value.trim();
    if (git !== '' && !GIT_URL_PATTERN.test(git)) {
      errors.push(['git_url', 'must be an https:// git repository URL, for example https://github.com/you/theme.git.']);
    }
    if (sshWanted()) {
      const key = form.elements.ssh_key.value.trim();
      if (key === '') {
        errors.push(['ssh_key', 'paste your public key, or choose No for SSH access.']);
      } else if (!SSH_KEY_PATTERN.test(key)) {
        errors.push(['ssh_key', "must be one OpenSSH public key line such as 'ssh-ed25519 AAAAC3Nza... you@laptop'."]);
      }
    }
    ['size', 'location', 'domain'].forEach(function (f) {
      if (!form.elements[f].value) { errors.push([f, 'choose one.']); }
    });
    return errors;
  }

  function updatePreview() {
    const name = form.elements.name.value.trim().replace(/_/g, '').toLowerCase() || 'name';
    preview.textContent = name + '.' + form.elements.domain.value;
  }

  form.addEventListener('change', function () {
    sshRow.hidden = !sshWanted();
    updatePreview();
  });
  form.addEventListener('input', updatePreview);

  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    clearErrors();
    const errors = check();
    if (errors.length > 0) {
      errors.forEach(function (e) { showError(e[0], e[1]); });
      document.getElementById(errors[0][0]).focus();
      return;
    }
    const body = new URLSearchParams();
    ['size', 'location', 'name', 'domain', 'git_url', 'who_may_join'].forEach(function (f) { body.append(f, form.elements[f].value.trim()); });
    body.append('ssh', sshWanted() ? 'yes' : 'no');
    body.append('ssh_key', sshWanted() ? form.elements.ssh_key.value.trim() : '');
    let response;
    try {
      // With keys configured the bundle is admin-only: the key entered on /dashboard (same origin) is sent along.
      const adminKey = sessionStorage.getItem('dwr-admin-key');
      const headers = adminKey ? { 'Accept': 'application/zip, application/json', 'Authorization': 'Bearer ' + adminKey } : { 'Accept': 'application/zip, application/json' };
      response = await fetch(form.action, { method: 'POST', body: body, headers: headers });
    } catch (err) {
      document.getElementById('form-error').textContent = 'The server could not be reached: ' + err;
      return;
    }
    if (response.status === 400) {
      const problem = await response.json();
      (problem.errors || []).forEach(function (e) { showError(e.field, e.message); });
      return;
    }
    if (response.status === 401 || response.status === 403) {
      document.getElementById('form-error').textContent = 'This server builds bundles for its operator only: enter the admin key on /dashboard, then try again.';
      return;
    }
    if (!response.ok) {
      document.getElementById('form-error').textContent = 'The server answered ' + response.status + '.';
      return;
    }
    const blob = await response.blob();
    const disposition = response.headers.get('Content-Disposition') || '';
    const match = /filename="?([^";]+)"?/.exec(disposition);
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = match ? match[1] : 'sfu-bundle.zip';
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
    document.getElementById('next-steps').hidden = false;
  });

  sshRow.hidden = !sshWanted();
  updatePreview();
}());
