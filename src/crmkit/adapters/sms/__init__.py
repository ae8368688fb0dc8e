"""HTTP SMS gateways: Netgsm, İleti Merkezi, Twilio (issue 6), built on httpx."""
