# sam build runs this for the function (template.yaml: Metadata BuildMethod: makefile), in a copy of
# this directory, with ARTIFACTS_DIR set to where the deployment package must go. Maven builds the
# package in target/lambda, the AWS SDK shrunk by ProGuard (docs/cold-start-and-packaging.md).
# The tests are CI's job (mvn verify), not the deployment's. SHRINK=false (in the environment of
# sam build, or make's command line) ships the SDK unshrunk, ProGuard skipped.

build-OrchestratorFunction:
	mvn -B --no-transfer-progress clean package -DskipTests $(if $(SHRINK),-Dshrink=$(SHRINK))
	cp -R target/lambda/. "$(ARTIFACTS_DIR)"
