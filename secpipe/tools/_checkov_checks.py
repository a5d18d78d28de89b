"""The checkov checks secpipe enables, with the severity and weakness class of each.

checkov 3.3.30 leaves ``severity`` null unless it is connected to its commercial platform, so
secpipe ships its own table. Only the checks listed here are run (``--check``); a check that is
not in the table is never enabled, so every finding has a documented severity.

How the severities were chosen:
- critical: the container can take over its node (privileged, the Docker socket, host PID).
- high: the container shares a host namespace, may gain privileges, or runs as root; a build
  step turns off signature or certificate checks.
- medium: defence in depth that attackers rely on being absent (capabilities, read-only root,
  seccomp, service-account tokens, mutable image tags, ``ADD``).
- low: hygiene with an indirect security effect (probes, resource limits, digests, namespaces).

The weakness class lets a checkov finding and one of secpipe's own Dockerfile checks on the same
line merge into one finding (see ``secpipe/_normalize.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from secpipe._findings import Severity

_C, _H, _M, _L = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW


@dataclass(frozen=True)
class CheckInfo:
    """What secpipe knows about one checkov check."""

    severity: Severity
    weakness: str | None = None


#: Dockerfile checks (checkov's ``dockerfile`` framework), all of them.
DOCKERFILE_CHECKS: dict[str, CheckInfo] = {
    "CKV_DOCKER_1": CheckInfo(_M, "sensitive-port"),  # port 22 exposed
    "CKV_DOCKER_2": CheckInfo(_L, "healthcheck"),  # no HEALTHCHECK
    "CKV_DOCKER_3": CheckInfo(_M, "root-user"),  # no USER
    "CKV_DOCKER_4": CheckInfo(_L, "add-instruction"),  # ADD instead of COPY
    "CKV_DOCKER_5": CheckInfo(_L),  # update alone
    "CKV_DOCKER_6": CheckInfo(_L),  # MAINTAINER
    "CKV_DOCKER_7": CheckInfo(_M, "base-image-tag"),  # latest tag
    "CKV_DOCKER_8": CheckInfo(_H, "root-user"),  # last USER is root
    "CKV_DOCKER_9": CheckInfo(_L),  # apt instead of apt-get
    "CKV_DOCKER_10": CheckInfo(_L),  # relative WORKDIR
    "CKV_DOCKER_11": CheckInfo(_L),  # duplicate FROM alias
    "CKV2_DOCKER_1": CheckInfo(_M),  # sudo
    "CKV2_DOCKER_2": CheckInfo(_H, "tls"),  # curl -k
    "CKV2_DOCKER_3": CheckInfo(_H, "tls"),  # wget --no-check-certificate
    "CKV2_DOCKER_4": CheckInfo(_H, "tls"),  # pip --trusted-host
    "CKV2_DOCKER_5": CheckInfo(_H, "tls"),  # PYTHONHTTPSVERIFY
    "CKV2_DOCKER_6": CheckInfo(_H, "tls"),  # NODE_TLS_REJECT_UNAUTHORIZED
    "CKV2_DOCKER_7": CheckInfo(_H, "signature"),  # apk --allow-untrusted
    "CKV2_DOCKER_8": CheckInfo(_H, "signature"),  # apt-get --allow-unauthenticated
    "CKV2_DOCKER_9": CheckInfo(_H, "signature"),  # --nogpgcheck
    "CKV2_DOCKER_10": CheckInfo(_H, "signature"),  # rpm --nosignature…
    "CKV2_DOCKER_11": CheckInfo(_H, "signature"),  # --force-yes
    "CKV2_DOCKER_12": CheckInfo(_H, "tls"),  # NPM_CONFIG_STRICT_SSL
    "CKV2_DOCKER_13": CheckInfo(_H, "tls"),  # strict-ssl false
    "CKV2_DOCKER_14": CheckInfo(_H, "tls"),  # GIT_SSL_NO_VERIFY
    "CKV2_DOCKER_15": CheckInfo(_H, "tls"),  # sslverify
    "CKV2_DOCKER_16": CheckInfo(_H, "tls"),  # PIP_TRUSTED_HOST
    "CKV2_DOCKER_17": CheckInfo(_M),  # chpasswd
}

#: Kubernetes checks on workloads, RBAC and ingress objects. The control-plane flag checks
#: (CKV_K8S_68 to CKV_K8S_151) are left out: they only apply to kube-apiserver, etcd and kubelet
#: pod manifests. TODO: enable them once there is a way to say a repository ships control-plane
#: manifests.
KUBERNETES_CHECKS: dict[str, CheckInfo] = {
    "CKV_K8S_1": CheckInfo(_H),  # PSP allows host PID
    "CKV_K8S_2": CheckInfo(_C),  # PSP allows privileged
    "CKV_K8S_3": CheckInfo(_H),  # PSP allows host IPC
    "CKV_K8S_4": CheckInfo(_H),  # PSP allows host network
    "CKV_K8S_5": CheckInfo(_H),  # PSP allows privilege escalation
    "CKV_K8S_6": CheckInfo(_H),  # PSP allows root
    "CKV_K8S_7": CheckInfo(_M),  # PSP allows NET_RAW
    "CKV_K8S_8": CheckInfo(_L),  # liveness probe
    "CKV_K8S_9": CheckInfo(_L),  # readiness probe
    "CKV_K8S_10": CheckInfo(_L),  # CPU requests
    "CKV_K8S_11": CheckInfo(_L),  # CPU limits
    "CKV_K8S_12": CheckInfo(_L),  # memory requests
    "CKV_K8S_13": CheckInfo(_L),  # memory limits
    "CKV_K8S_14": CheckInfo(_M),  # image tag latest or blank
    "CKV_K8S_15": CheckInfo(_L),  # pull policy
    "CKV_K8S_16": CheckInfo(_C),  # privileged container
    "CKV_K8S_17": CheckInfo(_C),  # host PID
    "CKV_K8S_18": CheckInfo(_H),  # host IPC
    "CKV_K8S_19": CheckInfo(_H),  # host network
    "CKV_K8S_20": CheckInfo(_H),  # allowPrivilegeEscalation
    "CKV_K8S_21": CheckInfo(_L),  # default namespace
    "CKV_K8S_22": CheckInfo(_M),  # read-only root filesystem
    "CKV_K8S_23": CheckInfo(_H),  # root containers
    "CKV_K8S_24": CheckInfo(_H),  # PSP allows added capabilities
    "CKV_K8S_25": CheckInfo(_M),  # added capabilities
    "CKV_K8S_26": CheckInfo(_M),  # hostPort
    "CKV_K8S_27": CheckInfo(_C),  # Docker socket mounted
    "CKV_K8S_28": CheckInfo(_M),  # NET_RAW not dropped
    "CKV_K8S_29": CheckInfo(_M),  # no security context
    "CKV_K8S_30": CheckInfo(_M),  # no container security context
    "CKV_K8S_31": CheckInfo(_M),  # seccomp profile
    "CKV_K8S_32": CheckInfo(_M),  # PSP default seccomp
    "CKV_K8S_33": CheckInfo(_H),  # Kubernetes dashboard
    "CKV_K8S_34": CheckInfo(_H),  # Tiller
    "CKV_K8S_35": CheckInfo(_M),  # secrets as environment variables
    "CKV_K8S_36": CheckInfo(_M),  # PSP capabilities
    "CKV_K8S_37": CheckInfo(_M),  # capabilities not dropped
    "CKV_K8S_38": CheckInfo(_M),  # service account token mounted
    "CKV_K8S_39": CheckInfo(_H),  # CAP_SYS_ADMIN
    "CKV_K8S_40": CheckInfo(_L),  # low UID
    "CKV_K8S_41": CheckInfo(_M),  # default service account used
    "CKV_K8S_42": CheckInfo(_M),  # default service account used (bindings)
    "CKV_K8S_43": CheckInfo(_L),  # image not pinned by digest
    "CKV_K8S_44": CheckInfo(_H),  # Tiller service
    "CKV_K8S_45": CheckInfo(_H),  # Tiller deployment reachable
    "CKV_K8S_49": CheckInfo(_H),  # wildcards in roles
    "CKV_K8S_152": CheckInfo(_H),  # NGINX ingress LUA snippets
    "CKV_K8S_153": CheckInfo(_H),  # NGINX ingress snippets
    "CKV_K8S_154": CheckInfo(_H),  # NGINX ingress alias snippets
    "CKV_K8S_155": CheckInfo(_H),  # admission webhook control
    "CKV_K8S_156": CheckInfo(_H),  # approve CSRs
    "CKV_K8S_157": CheckInfo(_H),  # bind role bindings
    "CKV_K8S_158": CheckInfo(_H),  # escalate roles
    "CKV_K8S_159": CheckInfo(_H),  # git-sync code injection
    "CKV2_K8S_1": CheckInfo(_H),  # RoleBinding escalation
    "CKV2_K8S_2": CheckInfo(_H),  # nodes/proxy or pods/exec create
    "CKV2_K8S_3": CheckInfo(_H),  # impersonate
    "CKV2_K8S_4": CheckInfo(_M),  # services/status (CVE-2020-8554)
    "CKV2_K8S_5": CheckInfo(_H),  # read all secrets
    "CKV2_K8S_6": CheckInfo(_L),  # no NetworkPolicy
}

#: For checks whose ``evaluated_keys`` checkov leaves empty: which field of the pod spec each
#: one is about, so the finding points at that field's line. ``*`` stands for every container.
POD_SPEC_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "CKV_K8S_17": (("hostPID",),),
    "CKV_K8S_18": (("hostIPC",),),
    "CKV_K8S_19": (("hostNetwork",),),
    "CKV_K8S_23": (("securityContext", "runAsNonRoot"), ("securityContext",)),
    "CKV_K8S_29": (("securityContext",),),
    "CKV_K8S_31": (("securityContext", "seccompProfile"), ("securityContext",)),
    "CKV_K8S_38": (("automountServiceAccountToken",),),
    "CKV_K8S_40": (("securityContext", "runAsUser"), ("securityContext",)),
    "CKV_K8S_41": (("serviceAccountName",), ("serviceAccount",)),
}

#: The check about the Docker socket mount: it points at the ``hostPath:`` line of the volume.
DOCKER_SOCKET_CHECK = "CKV_K8S_27"

#: Checks about the whole resource's metadata rather than its pod spec.
METADATA_FIELDS: dict[str, tuple[str, ...]] = {"CKV_K8S_21": ("metadata", "namespace")}


def check_info(framework: str, check_id: str) -> CheckInfo | None:
    """The table entry of one check, or None when secpipe does not enable it."""
    table = DOCKERFILE_CHECKS if framework == "dockerfile" else KUBERNETES_CHECKS
    return table.get(check_id)
