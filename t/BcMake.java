/*
 * BcMake - Bouncy Castle as an S/MIME producer for t/smime-inbound.sh
 * (an implementation independent of OpenSSL): it makes the CMS structures
 * (DER) that t/smime_in.py wraps into messages.
 *
 *   java BcMake sign DATA OUT CERT.pem KEY.pem ALG detached|opaque
 *        signed-data over DATA; ALG a JCA signature name (SHA256withRSA,
 *        SHA512withRSAandMGF1, SHA384withECDSA, Ed25519 ...)
 *   java BcMake encrypt DATA OUT CERT.pem AES256_GCM|AES128_CBC|CHACHA20_POLY1305
 *        RSA recipients get RSAES-OAEP (SHA-256), EC ones ECDH with the
 *        SHA-256 KDF; GCM and ChaCha20-Poly1305 make authEnveloped-data.
 *        Bouncy Castle 1.72 cannot encrypt CMS content with
 *        ChaCha20-Poly1305 (RFC 8103): that structure is an AES-GCM one
 *        whose content-encryption algorithm is renamed to
 *        id-alg-AEADChaCha20Poly1305 with its 12-byte nonce, which is all
 *        a reader sees before it must give up on the algorithm
 *   java BcMake keypref DATA OUT SIGN.pem SIGN.key ENC.pem
 *        a detached SHA256withRSA signature whose signed attributes name
 *        ENC.pem in SMIMEEncryptionKeyPreference; both certificates are
 *        included
 *   java BcMake batch FILE
 *        each line of FILE is one of the commands above (words separated
 *        by spaces): one JVM start for all of them
 * Exit 0, or 1 with a reason on stderr.
 */
import java.io.*;
import java.nio.file.*;
import java.security.*;
import java.security.cert.X509Certificate;
import java.security.spec.*;
import java.util.*;

import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.cms.AuthEnvelopedData;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.EncryptedContentInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.cms.IssuerAndSerialNumber;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.smime.SMIMEEncryptionKeyPreferenceAttribute;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.*;
import org.bouncycastle.cms.jcajce.*;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OutputAEADEncryptor;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.operator.jcajce.JcaAlgorithmParametersConverter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

public class BcMake {
	static Object pem(String path) throws Exception {
		try (PEMParser p = new PEMParser(new FileReader(path))) {
			return p.readObject();
		}
	}

	static X509Certificate cert(String path) throws Exception {
		return new JcaX509CertificateConverter().setProvider("BC")
		    .getCertificate((X509CertificateHolder) pem(path));
	}

	static PrivateKey key(String path) throws Exception {
		return new JcaPEMKeyConverter().setProvider("BC")
		    .getPrivateKey((PrivateKeyInfo) pem(path));
	}

	static byte[] read(String path) throws Exception {
		return Files.readAllBytes(Paths.get(path));
	}

	static SignerInfoGenerator signer(X509Certificate c, PrivateKey k,
	    String alg, AttributeTable signed) throws Exception {
		JcaSignerInfoGeneratorBuilder b = new JcaSignerInfoGeneratorBuilder(
		    new JcaDigestCalculatorProviderBuilder().setProvider("BC").build());
		if (signed != null)
			b.setSignedAttributeGenerator(
			    new DefaultSignedAttributeTableGenerator(signed));
		return b.build(new JcaContentSignerBuilder(alg).setProvider("BC")
		    .build(k), c);
	}

	static void sign(String[] a) throws Exception {
		CMSSignedDataGenerator g = new CMSSignedDataGenerator();
		X509Certificate c = cert(a[3]);
		g.addSignerInfoGenerator(signer(c, key(a[4]), a[5], null));
		g.addCertificates(new JcaCertStore(List.of(c)));
		CMSSignedData sd = g.generate(new CMSProcessableByteArray(read(a[1])),
		    a[6].equals("opaque"));
		Files.write(Paths.get(a[2]), sd.getEncoded());
	}

	static RecipientInfoGenerator recipient(X509Certificate c) throws Exception {
		PublicKey pub = c.getPublicKey();
		if (pub.getAlgorithm().startsWith("EC")) {
			KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC", "BC");
			kpg.initialize(((java.security.interfaces.ECPublicKey) pub).getParams());
			KeyPair eph = kpg.generateKeyPair();
			return new JceKeyAgreeRecipientInfoGenerator(
			    CMSAlgorithm.ECDH_SHA256KDF, eph.getPrivate(),
			    eph.getPublic(), CMSAlgorithm.AES128_WRAP)
			    .addRecipient(c).setProvider("BC");
		}
		OAEPParameterSpec oaep = new OAEPParameterSpec("SHA-256", "MGF1",
		    MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT);
		return new JceKeyTransRecipientInfoGenerator(c,
		    new JcaAlgorithmParametersConverter().getAlgorithmIdentifier(
		    PKCSObjectIdentifiers.id_RSAES_OAEP, oaep)).setProvider("BC");
	}

	static void encrypt(String[] a) throws Exception {
		byte[] data = read(a[1]);
		X509Certificate c = cert(a[3]);
		byte[] out;
		if (a[4].equals("AES128_CBC")) {
			CMSEnvelopedDataGenerator g = new CMSEnvelopedDataGenerator();
			g.addRecipientInfoGenerator(recipient(c));
			out = g.generate(new CMSProcessableByteArray(data),
			    new JceCMSContentEncryptorBuilder(CMSAlgorithm.AES128_CBC)
			    .setProvider("BC").build()).getEncoded();
		} else {
			CMSAuthEnvelopedDataGenerator g = new CMSAuthEnvelopedDataGenerator();
			g.addRecipientInfoGenerator(recipient(c));
			OutputEncryptor enc = new JceCMSContentEncryptorBuilder(
			    CMSAlgorithm.AES256_GCM).setProvider("BC").build();
			out = g.generate(new CMSProcessableByteArray(data),
			    (OutputAEADEncryptor) enc).getEncoded();
			if (a[4].equals("CHACHA20_POLY1305"))
				out = renameToChaCha(out);
		}
		Files.write(Paths.get(a[2]), out);
	}

	static byte[] renameToChaCha(byte[] der) throws Exception {
		ContentInfo ci = ContentInfo.getInstance(ASN1Primitive.fromByteArray(der));
		AuthEnvelopedData ae = AuthEnvelopedData.getInstance(ci.getContent());
		EncryptedContentInfo eci = ae.getAuthEncryptedContentInfo();
		byte[] nonce = new byte[12];
		new SecureRandom().nextBytes(nonce);
		EncryptedContentInfo chacha = new EncryptedContentInfo(
		    eci.getContentType(), new AlgorithmIdentifier(
		    PKCSObjectIdentifiers.id_alg_AEADChaCha20Poly1305,
		    new DEROctetString(nonce)), eci.getEncryptedContent());
		AuthEnvelopedData renamed = new AuthEnvelopedData(
		    ae.getOriginatorInfo(), ae.getRecipientInfos(), chacha,
		    ae.getAuthAttrs(), ae.getMac(), ae.getUnauthAttrs());
		return new ContentInfo(CMSObjectIdentifiers.authEnvelopedData,
		    renamed).getEncoded("DER");
	}

	static void keypref(String[] a) throws Exception {
		X509Certificate sc = cert(a[3]), ec = cert(a[5]);
		ASN1EncodableVector v = new ASN1EncodableVector();
		v.add(new SMIMEEncryptionKeyPreferenceAttribute(
		    new IssuerAndSerialNumber(X500Name.getInstance(
		    ec.getIssuerX500Principal().getEncoded()), ec.getSerialNumber())));
		CMSSignedDataGenerator g = new CMSSignedDataGenerator();
		g.addSignerInfoGenerator(signer(sc, key(a[4]), "SHA256withRSA",
		    new AttributeTable(v)));
		g.addCertificates(new JcaCertStore(List.of(sc, ec)));
		CMSSignedData sd = g.generate(new CMSProcessableByteArray(read(a[1])),
		    false);
		Files.write(Paths.get(a[2]), sd.getEncoded());
	}

	static void run(String[] a) throws Exception {
		if (a[0].equals("sign"))
			sign(a);
		else if (a[0].equals("encrypt"))
			encrypt(a);
		else if (a[0].equals("keypref"))
			keypref(a);
		else if (a[0].equals("batch")) {
			for (String line : Files.readAllLines(Paths.get(a[1])))
				if (!line.isBlank())
					run(line.trim().split(" +"));
		} else
			throw new Exception("unknown command " + a[0]);
	}

	public static void main(String[] a) {
		Security.addProvider(new BouncyCastleProvider());
		try {
			run(a);
		} catch (Exception e) {
			System.err.println("BcMake: " + e);
			System.exit(1);
		}
	}
}
