"""The registration certificate (登记证书): registry facts in, a one-page A4 PDF out."""

from fangdu.certificates.model import CertificateData
from fangdu.certificates.pdf import render_certificate

__all__ = ["CertificateData", "render_certificate"]
