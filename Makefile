# sam build runs this for the function (template.yaml: Metadata BuildMethod: makefile), in a copy of
# this directory, with ARTIFACTS_DIR set to where the deployment package must go. Maven builds the
# package in target/lambda, the AWS SDK shrunk by ProGuard (docs/cold-start-and-packaging.md).
# The tests are CI's job (mvn verify), not the deployment's.

build-OrchestratorFunction:
	mvn -B --no-transfer-progress clean package -DskipTests
	cp -R target/lambda/. "$(ARTIFACTS_DIR)"
