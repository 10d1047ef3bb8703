# Deliberately wrong: check_aws_schema.py must report every line marked BAD.
resource "aws_launch_template" "typo" {
  name_prefix   = "weir-"
  instance_typ  = "t3.medium" # BAD: misspelled argument

  metadata_options {
    http_tokens = "required"
    hop_limit   = 1 # BAD: unknown argument of a nested block
  }
}

resource "aws_autoscaling_group" "missing" {
  # BAD: max_size and min_size are required
  desired_capacity = 1

  instance_refresh {
    strategy = "Rolling"
    preference { # BAD: the block is "preferences"
      min_healthy_percentage = 0
    }
  }

  dynamic "tags" { # BAD: aws_autoscaling_group has "tag" blocks
    for_each = {}
    content {
      key = "a"
    }
  }
}

resource "aws_ec2_instance" "unknown" { # BAD: no such resource type (it is aws_instance)
  ami = "ami-123"
}

data "aws_subnets_by_name" "unknown" { # BAD: no such data source
}

resource "aws_security_group" "block_as_argument" {
  name = "x"
  tags { # BAD: tags is an argument, not a block
    a = "b"
  }
}
