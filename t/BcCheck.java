/*
 * BcCheck - Bouncy Castle's reading of gatewarden's S/MIME output, for
 * t/smime-interop.sh (an implementation independent of OpenSSL; it reads
 * RSASSA-PSS, RSAES-OAEP, ECDH and AES-GCM AuthEnvelopedData).
 *
 *   java BcCheck verify SIG.der DATA|- CA.pem OUT   detached (DATA) or
 *        opaque (-) signed-data: every signer verifies, its certificate is
 *        signed by CA; the signed content goes to OUT; prints the signature
 *        algorithm.
 *   java BcCheck decrypt ENV.der CERT.pem KEY.pem OUT   enveloped or
 *        auth-enveloped data decrypted with the recipient's key; prints the
 *        content and key-encryption algorithms.
 * Exit 0 when all holds, 1 with a reason on stderr otherwise.
 */
import java.io.*;
import java.nio.file.*;
import java.security.*;
import java.security.cert.X509Certificate;
import java.util.*;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.*;
import org.bouncycastle.cms.jcajce.*;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.util.Store;

public class BcCheck {
	static Object pem(String path) throws Exception {
		try (PEMParser p = new PEMParser(new FileReader(path))) {
			return p.readObject();
		}
	}

	static void verify(String[] a) throws Exception {
		byte[] sig = Files.readAllBytes(Paths.get(a[1]));
		CMSSignedData sd = a[2].equals("-") ? new CMSSignedData(sig) :
		    new CMSSignedData(new CMSProcessableByteArray(
		    Files.readAllBytes(Paths.get(a[2]))), sig);
		X509CertificateHolder ca = (X509CertificateHolder) pem(a[3]);
		Store<X509CertificateHolder> certs = sd.getCertificates();
		int n = 0;
		for (SignerInformation si : sd.getSignerInfos().getSigners()) {
			@SuppressWarnings("unchecked")
			Collection<X509CertificateHolder> c = certs.getMatches(si.getSID());
			if (c.isEmpty())
				throw new Exception("signer certificate not included");
			X509CertificateHolder h = c.iterator().next();
			if (!h.isSignatureValid(new JcaContentVerifierProviderBuilder()
			    .setProvider("BC").build(ca)))
				throw new Exception("signer certificate not issued by the CA");
			if (!si.verify(new JcaSimpleSignerInfoVerifierBuilder()
			    .setProvider("BC").build(h)))
				throw new Exception("signature does not verify");
			System.out.println("signature " + si.getEncryptionAlgOID() +
			    " digest " + si.getDigestAlgOID());
			n++;
		}
		if (n == 0)
			throw new Exception("no signer");
		Files.write(Paths.get(a[4]), a[2].equals("-") ?
		    (byte[]) sd.getSignedContent().getContent() :
		    Files.readAllBytes(Paths.get(a[2])));
	}

	static void decrypt(String[] a) throws Exception {
		byte[] der = Files.readAllBytes(Paths.get(a[1]));
		X509Certificate cert = new JcaX509CertificateConverter()
		    .setProvider("BC").getCertificate((X509CertificateHolder) pem(a[2]));
		PrivateKey key = new JcaPEMKeyConverter().setProvider("BC")
		    .getPrivateKey((PrivateKeyInfo) pem(a[3]));
		RecipientInformationStore ris;
		String alg;
		org.bouncycastle.asn1.cms.ContentInfo ci =
		    org.bouncycastle.asn1.cms.ContentInfo.getInstance(
		    org.bouncycastle.asn1.ASN1Primitive.fromByteArray(der));
		if (ci.getContentType().equals(
		    org.bouncycastle.asn1.cms.CMSObjectIdentifiers.authEnvelopedData)) {
			CMSAuthEnvelopedData ae = new CMSAuthEnvelopedData(der);
			ris = ae.getRecipientInfos();
			alg = "authEnveloped " + org.bouncycastle.asn1.cms.AuthEnvelopedData.getInstance(ci.getContent()).getAuthEncryptedContentInfo().getContentEncryptionAlgorithm().getAlgorithm();
		} else {
			CMSEnvelopedData ed = new CMSEnvelopedData(der);
			ris = ed.getRecipientInfos();
			alg = "enveloped " + ed.getEncryptionAlgOID();
		}
		RecipientInformation ri = ris.get(new JceKeyTransRecipientId(cert));
		Recipient r;
		if (ri != null) {
			r = new JceKeyTransEnvelopedRecipient(key).setProvider("BC");
		} else {
			ri = ris.get(new JceKeyAgreeRecipientId(cert));
			if (ri == null)
				throw new Exception("no RecipientInfo for this certificate");
			r = new JceKeyAgreeEnvelopedRecipient(key).setProvider("BC");
		}
		System.out.println(alg + " key " + ri.getKeyEncryptionAlgOID());
		Files.write(Paths.get(a[4]), ri.getContent(r));
	}

	public static void main(String[] a) {
		Security.addProvider(new BouncyCastleProvider());
		try {
			if (a[0].equals("verify"))
				verify(a);
			else if (a[0].equals("decrypt"))
				decrypt(a);
			else
				throw new Exception("unknown command " + a[0]);
		} catch (Exception e) {
			System.err.println("BcCheck: " + e);
			System.exit(1);
		}
	}
}
